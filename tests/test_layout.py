"""The import direction of ../shared/STYLE.md, and a fast `import` for the light packages."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"pipeline", "features", "models", "flows", "hardware"}
HEAVY = ["prefect", "minio", "torch", "faster_whisper", "pyannote", "cv2", "soundfile", "sqlalchemy"]


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(("package", "allowed"), [
    ("features", {"features"}),
    ("models", {"features", "models"}),
    ("pipeline", {"pipeline", "features", "models"}),
    ("hardware", {"hardware", "pipeline", "features", "models"}),
])
def test_imports_point_one_way(package, allowed):
    for path in (ROOT / package).rglob("*.py"):
        if path.name == "cli.py" or "migrations" in path.parts:
            continue  # the CLI is the outermost edge and may start flows
        wrong = (_imported_packages(path) & PROJECT) - allowed
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_only_the_cli_starts_flows():
    users = sorted(p.name for p in (ROOT / "pipeline").rglob("*.py") if "flows" in _imported_packages(p))
    assert users == ["cli.py"]


def test_light_imports_stay_light():
    code = ("import sys, features.loudness, pipeline.records, pipeline.settings, pipeline.cli; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert loaded.stdout.strip() == "[]"
