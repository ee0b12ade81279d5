"""Calls: from a recording and its events to turns, a transcript and call features."""
