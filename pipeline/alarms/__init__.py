"""Alarms: rules in YAML over a contact's values (and over recent contacts), raised the moment a
contact is processed or a survey answer arrives, sent to the log, a webhook or e-mail.

``ruleset`` is what a rule holds, ``schema`` reads and checks one rule file, ``rules`` loads the
site's files (the conditions themselves are :mod:`pipeline.rules.conditions`), ``evaluate``
decides what fires (de-duplication, cooldown, customer flags), ``sinks`` delivers, ``stage`` is
the ``alarms`` stage and ``cxmon alarms check``.
"""
