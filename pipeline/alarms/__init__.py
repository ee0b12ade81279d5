"""Alarms: rules in YAML over a contact's values (and over recent contacts), raised the moment a
contact is processed or a survey answer arrives, sent to the log, a webhook or e-mail.

``rules`` reads and checks rule files, ``evaluate`` decides what fires (de-duplication, cooldown,
customer flags), ``sinks`` delivers, ``stage`` is the ``alarms`` stage and ``cxmon alarms check``.
"""
