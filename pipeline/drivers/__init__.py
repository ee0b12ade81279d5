"""Driver analysis over the store: which checklist items, call/chat features, phrase tags and survey reasons
move satisfaction most (see :mod:`features.drivers` for the statistics)."""
