"""QA checklists: forms written in YAML, items answered by rules with evidence, scores 0-100.

- :mod:`~pipeline.checklists.forms`: a checklist once read (sections, items, whom it applies to);
- :mod:`~pipeline.checklists.schema`: the YAML format, read with ``file:line`` errors;
- :mod:`~pipeline.checklists.rules`: the rule language (``{tag: greeting, speaker: agent}``, ...),
  read by :mod:`~pipeline.checklists.rule_schema`;
- :mod:`~pipeline.checklists.evaluate`: answering a checklist from a contact's facts;
- :mod:`~pipeline.checklists.score`: item, section and form scores (pure functions);
- :mod:`~pipeline.checklists.stage`: the ``checklist`` stage and ``cxmon checklist score``.

The YAML reader and the value comparisons are shared with alarm rules (:mod:`pipeline.rules`).
"""

from pipeline.checklists.evaluate import evaluate_checklist, with_checklist_tags
from pipeline.checklists.forms import Checklist, Item, Section, applies
from pipeline.checklists.rules import Evidence, RuleResult, evaluate_rule
from pipeline.checklists.schema import ChecklistError, load_checklist, parse_checklist, shipped_checklists
from pipeline.checklists.score import FormScore, SectionScore, item_share, score_checklist

__all__ = [
    "Checklist", "ChecklistError", "Evidence", "FormScore", "Item", "RuleResult", "Section", "SectionScore",
    "applies", "evaluate_checklist", "evaluate_rule", "item_share", "load_checklist", "parse_checklist",
    "score_checklist", "shipped_checklists", "with_checklist_tags",
]
