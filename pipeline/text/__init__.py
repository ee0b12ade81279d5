"""Text analytics: PII redaction (later: sentiment, phrase tags)."""
