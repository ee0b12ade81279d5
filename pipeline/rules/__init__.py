"""What every rule file of cxmon shares, whatever it decides (QA checklists, alarm rules, ...).

- :mod:`~pipeline.rules.located`: the one YAML reader that keeps lines, so each format reports
  every mistake at once as ``FILE:LINE: what; expected what``;
- :mod:`~pipeline.rules.conditions`: the one condition core: a contact's value looked up by name
  and compared with a threshold (min, max, lt, gt, eq, ne, in), and conditions built of such tests;
- :mod:`~pipeline.rules.facts`: everything known about one contact, flattened into the named values
  the rules read.

Each format keeps its own words on top (a checklist's ``{feature: hold_s, max: 120}``, an alarm
rule's ``{hold_s: {gt: 120}}``). Imports nothing above records, settings and the store.
"""
