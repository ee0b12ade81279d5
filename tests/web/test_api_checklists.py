"""Checklists over the API: an upload checked like ``cxmon checklist validate`` (problems as NAME:LINE),
saved under the home and listed; only admins upload, reviewers and admins list. SQLite and PostgreSQL."""

from __future__ import annotations

import re

from pipeline.checklists.schema import shipped_checklist_paths

SHIPPED = next(p for p in shipped_checklist_paths() if p.name == "en_service_call.yaml").read_text(encoding="utf-8")
SITE = SHIPPED.replace("id: en_service_call", "id: site_call").replace('version: "2026.1"', 'version: "7"')


def upload(world, who: str, text: str, *, name: str | None = "site_call.yaml",
           content_type: str = "application/x-yaml"):
    return world.client.post("/api/checklists" + (f"?name={name}" if name else ""), content=text.encode("utf-8"),
                             headers={"Authorization": f"Bearer {world.tokens[who]}", "Content-Type": content_type})


def test_a_valid_checklist_is_saved_listed_and_audited(world):
    response = upload(world, "ann", SITE)
    assert response.status_code == 201, response.text
    saved = response.json()
    assert (saved["id"], saved["version"], saved["uploaded"], saved["active"]) == ("site_call", "7", True, True)
    home = world.client.app.state.settings.home
    assert (home / "checklists" / "site_call.yaml").read_text(encoding="utf-8") == SITE
    listed = {c["id"]: c for c in world.get("/api/checklists", "rita").json()["items"]}
    assert listed["site_call"]["uploaded"] and listed["site_call"]["items"] == saved["items"] > 5
    assert "en_service_call" not in listed  # from the first upload on, the site's own replace the shipped ones
    from pipeline.checklists.stage import configured_checklists

    scored = [c.id for c in configured_checklists(world.client.app.state.settings)]
    assert scored == ["site_call"]  # scored on the next contact
    rows, _ = world.store.catalog.audit_entries(action="checklist.upload")
    assert [r["detail"]["id"] for r in rows] == ["site_call"]
    again = world.client.post("/api/checklists", json={"name": "v8.yaml", "yaml": SITE.replace('"7"', '"8"')},
                              headers={"Authorization": f"Bearer {world.tokens['ann']}"})
    assert again.status_code == 201 and again.json()["version"] == "8"  # a new version replaces the upload


def test_problems_are_422_with_name_and_line_and_nothing_is_saved(world):
    broken = SITE.replace("id: site_call", "id: broken_call").replace("weight: 25", "weight: lots")
    response = upload(world, "ann", broken, name="broken.yaml")
    assert response.status_code == 422
    problems = response.json()["problems"]
    line = broken.splitlines().index("    weight: lots") + 1
    assert any(p.startswith(f"broken.yaml:{line}: ") for p in problems), problems
    assert all(re.match(r"broken\.yaml:\d+: ", p) for p in problems)
    not_yaml = upload(world, "ann", "id: [unclosed\n  - x", name="bad.yaml")
    assert not_yaml.status_code == 422 and re.match(r"bad\.yaml:\d+: ", not_yaml.json()["problems"][0])
    edited = upload(world, "ann", SHIPPED.replace('version: "2026.1"', 'version: "site-1"'), name="copy.yaml")
    assert edited.status_code == 201 and edited.json()["id"] == "en_service_call"  # a shipped one, made the site's
    home = world.client.app.state.settings.home
    assert not (home / "checklists" / "broken_call.yaml").exists()


def test_hostile_uploads_are_refused_without_a_500(world):
    assert upload(world, "ann", SITE, name="../../etc/x.yaml").status_code == 422
    assert upload(world, "ann", SITE, content_type="text/plain").status_code == 415
    assert upload(world, "ann", "x" * 300_000).status_code == 413
    assert upload(world, "ann", "", name=None).status_code == 422
    bad_json = world.client.post("/api/checklists", content=b'{"name": 1, "yaml": []}',
                                 headers={"Authorization": f"Bearer {world.tokens['ann']}",
                                          "Content-Type": "application/json"})
    assert bad_json.status_code == 422
    raw = world.client.post("/api/checklists", content=b"\xff\xfe", headers={
        "Authorization": f"Bearer {world.tokens['ann']}", "Content-Type": "text/yaml"})
    assert raw.status_code == 422


def test_only_admins_upload_and_operators_do_not_see_the_list(world):
    for who in ("rita", "sam", "olga"):
        assert upload(world, who, SITE.replace("site_call", f"by_{who}")).status_code == 404
    for who in ("sam", "olga"):
        assert world.get("/api/checklists", who).status_code == 404
    assert world.get("/api/checklists", "ann").status_code == 200
    assert not any(c["id"].startswith("by_") for c in world.get("/api/checklists", "ann").json()["items"])
