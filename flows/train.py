"""``train_csi``: refit the CSI model on the contacts that have survey answers.

Schedule it (e.g. weekly) once surveys flow in; it writes the model and its card to a folder
that the ``csi_model_dir`` setting then points at.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task

from pipeline.csi.retrain import retrain_csi
from pipeline.settings import Settings
from pipeline.store import open_store


@task
def fit_on_surveyed_contacts(out_dir: str) -> dict:
    return retrain_csi(open_store(Settings()), Path(out_dir))


@flow(name="train_csi")
def train_csi(out_dir: str | None = None) -> dict:
    """Fit CSI on this site's surveyed contacts; returns the new model's card."""
    return fit_on_surveyed_contacts(out_dir or str(Settings().home / "models" / "csi"))
