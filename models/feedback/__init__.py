"""Free-text feedback sorted into communication / process / product / other: the shipped model and its card.

    >>> from models.feedback import load_feedback_model
    >>> model, _ = load_feedback_model()
    >>> model.predict(["Простоял в очереди два часа", ""])
    ['process', 'other']
"""

from models.feedback.model import FeedbackModel, load_feedback_model, model_card

__all__ = ["FeedbackModel", "load_feedback_model", "model_card"]
