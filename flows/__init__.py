"""Prefect flows and tasks: thin wrappers that put pipeline stages in order."""

import os

# Offline sites: Prefect's telemetry would only fail and slow every run. The ephemeral API
# server needs more than the default 20 s to start on a small, busy box.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
