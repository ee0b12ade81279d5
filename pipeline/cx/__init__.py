"""The customer-experience programme around single contacts (issue 16): process metrics (FCR, AHT,
service level, abandonment, transfers, IVR exits) and the "always demands an operator" routing hint."""
