"""Sentiment of short customer texts: the shipped USE v3 + logistic-regression model and its card.

    >>> from models.sentiment import load_sentiment_model
    >>> load_sentiment_model("ru").predict(["Спасибо, всё быстро решили!"])
    ['positive']
"""

from models.sentiment.model import (
    SENTIMENT_CLASSES, LinearSentimentModel, SentimentModel, VaderSentimentModel, load_sentiment_model,
    sentiment_card,
)

__all__ = ["SENTIMENT_CLASSES", "LinearSentimentModel", "SentimentModel", "VaderSentimentModel",
           "load_sentiment_model", "sentiment_card"]
