"""CSI's three parts in the driver analysis, over a real catalog (SQLite and PostgreSQL): ``--target goal`` and
``--target emotion`` recover the factor planted on each part and not the other's, and the JSON names the parts
the survey asks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from click.testing import CliRunner

from pipeline.catalog import Catalog
from pipeline.cli.drivers_report import drivers
from pipeline.drivers.collect import collect
from pipeline.records import ChecklistResult, Contact, FeatureSet, SurveyAnswer

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
N = 120


def planted(n: int = N, *, seed: int = 7) -> list[dict]:
    """Per contact: two independent yes/no checklist items, a noise feature and the three parts' answers.

    ``solution`` (the operator offered a solution) drives goal reached; ``courtesy`` drives emotion. The
    two items are balanced and independent by construction (every 4 contacts hold each pair once), so
    neither can ride on the other.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        solution, courtesy = i % 2 == 0, (i // 2) % 2 == 0
        goal = int(rng.choice([1, 2], p=[0.15, 0.85])) if solution else int(rng.choice([0, 1], p=[0.7, 0.3]))
        emotion = int(rng.choice([4, 5])) if courtesy else int(rng.choice([1, 2, 3]))
        rows.append({"solution": solution, "courtesy": courtesy, "goal": goal, "emotion": emotion, "csat": 1 + 2 * goal,
                     "ces": int(rng.integers(1, 8)), "hold_s": float(rng.integers(0, 120))})
    return rows


def fill(catalog: Catalog, rows: list[dict], *, kinds: tuple[str, ...] = ("goal", "ces", "emotion")) -> None:
    for i, row in enumerate(rows):
        cid = f"c{i:03d}"
        catalog.add_contact(Contact(contact_id=cid, channel="call", source=f"{cid}.wav", object_key=f"raw/{cid}",
                                    started_at=T0 + timedelta(minutes=10 * i), customer_id=f"cust{i}",
                                    operator_id=f"op{i % 4}"))
        catalog.put_checklist_results([
            ChecklistResult(contact_id=cid, checklist_id="qa", item_id=item, value=1.0 if row[item] else 0.0,
                            source="rule") for item in ("solution", "courtesy")])
        catalog.put_feature_set(FeatureSet(contact_id=cid, name="call", values={"hold_s": row["hold_s"]}))
        at = T0 + timedelta(minutes=10 * i + 5)
        catalog.add_survey_answers([SurveyAnswer(customer_id=f"cust{i}", kind=kind, value=row[kind], answered_at=at,
                                                 contact_id=cid, invitation_id=f"inv{i}") for kind in kinds])


@pytest.fixture
def parts(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        fill(catalog, planted())
    finally:
        catalog.close()
    return catalog_url


def _run(*args: str) -> dict:
    result = CliRunner().invoke(drivers, [*args, "--no-files", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_collect_rescales_each_part_to_0_100(parts):
    rows = planted()
    catalog = Catalog(parts)
    try:
        goal, emotion, effort = (collect(catalog.engine, t, kinds=("checklist",)) for t in ("goal", "emotion", "ces"))
    finally:
        catalog.close()
    assert goal.values == [100.0 * r["goal"] / 2 for r in rows]
    assert emotion.values == [100.0 * (r["emotion"] - 1) / 4 for r in rows]
    assert effort.values == pytest.approx([100.0 * (7 - r["ces"]) / 6 for r in rows])
    assert goal.asked == {"ces": N, "emotion": N, "goal": N}


@pytest.mark.parametrize("method", ["correlation", "regression"])
def test_each_part_is_led_by_its_own_planted_factor(parts, method):
    extra = ("--bootstrap", "200") if method == "regression" else ()
    found = {}
    for target in ("goal", "emotion"):
        report = _run("--target", target, "--method", method, *extra)
        assert report["target"] == target and report["contacts"] == N
        found[target] = {f["name"]: f for f in report["factors"]}
        assert report["factors"][0]["name"] == ("checklist:qa/solution" if target == "goal"
                                                else "checklist:qa/courtesy"), report["factors"]
    solution, courtesy = "checklist:qa/solution", "checklist:qa/courtesy"
    # the planted factor: large, its interval clear of 0
    assert found["goal"][solution]["importance_ci"][0] > 0.5
    assert found["emotion"][courtesy]["importance_ci"][0] > 0.5
    # the other part's factor: small, its interval holds 0
    for target, other in (("goal", courtesy), ("emotion", solution)):
        low, high = found[target][other]["importance_ci"]
        assert low < 0 < high and abs(found[target][other]["importance"]) < 0.25, (target, found[target][other])
    # noise stays noise
    assert abs(found["goal"]["call:hold_s"]["importance"]) < 0.25


def test_the_json_names_the_parts_the_survey_asks(parts):
    report = _run("--target", "goal", "--factors", "checklist")
    assert report["csi_parts"] == {"goal": "goal", "effort": "ces", "emotion": "emotion"}
    assert report["csi_parts_contacts"] == {"goal": N, "effort": N, "emotion": N}


def test_a_part_not_asked_is_named_none_and_its_target_explains_how_to_ask_it(home, catalog_url, monkeypatch):
    monkeypatch.setenv("CXMON_CATALOG_URL", catalog_url)
    catalog = Catalog(catalog_url)
    try:
        fill(catalog, planted(40), kinds=("goal", "csat"))
    finally:
        catalog.close()
    report = _run("--target", "goal", "--factors", "checklist")
    assert report["csi_parts"] == {"goal": "goal", "effort": None, "emotion": None}
    assert report["csi_parts_contacts"] == {"goal": 40, "effort": 0, "emotion": 0}
    missing = _run("--target", "emotion")
    assert missing["factors"] == [] and missing["csi_parts"]["emotion"] is None
    assert "no survey asks CSI's emotion part: add a emotion column" not in missing["message"]
    assert "no survey asks CSI's emotion part: add an emotion column to the survey file, or a {kind: emotion} " \
           "question to a campaign" in missing["message"]
    text = CliRunner().invoke(drivers, ["--target", "emotion", "--no-files"])
    assert text.exit_code == 0 and "no driver analysis of emotion" in text.output and "Traceback" not in text.output
