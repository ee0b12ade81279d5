"""Speech: voice activity, diarization, transcription. Heavy libraries load inside each adapter."""
