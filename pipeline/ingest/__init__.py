"""Ingest files into the store: one contact per distinct recording or chat, catalog records for survey
and consent files, an error record per bad input.

The input kinds are a registry (:mod:`pipeline.ingest.registry`), as the stages are
(:mod:`pipeline.stages`); :mod:`pipeline.ingest.paths` walks folders, pairs sidecars and hands
each file to its kind. What a kind shares with the others (the report, the quarantine) is
:mod:`pipeline.store.intake`.
"""

from pipeline.ingest.paths import InputPlan, ingest_paths, plan_inputs
from pipeline.ingest.registry import INPUT_KINDS

__all__ = ["INPUT_KINDS", "InputPlan", "ingest_paths", "plan_inputs"]
