"""Survey campaigns: who is asked what and when (YAML definitions, CRM events, quiet hours, the cap,
consent), the sinks invitations go out through, and the replies that come back."""
