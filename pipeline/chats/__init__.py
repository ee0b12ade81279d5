"""Chat exports (cxmon JSON Lines and CSV, Telegram Desktop JSON, WhatsApp text) read into ChatMessage records."""
