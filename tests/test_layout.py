"""The house rules of ../shared/STYLE.md and the README's layer table: imports point one way, no
import cycle, no import runs up a floor, modules stay small, and the light packages import fast."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"pipeline", "features", "models", "flows", "hardware"}
HEAVY = ["prefect", "minio", "torch", "faster_whisper", "pyannote", "cv2", "soundfile", "sqlalchemy"]
MAX_MODULE_LINES = 400

# The README's layer table, ground floor first. A module stands on the floor of the longest prefix
# that names it; it may import from its own floor and the floors below, never from above.
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("pipeline.records", "pipeline.settings", "pipeline.settings_problems", "pipeline.tables",
              "pipeline.report_files", "pipeline.periods",
              "pipeline.sidecars", "pipeline.jsonlines", "pipeline.personal_data", "pipeline.masking")),
    ("store", ("pipeline.store", "pipeline.catalog")),
    ("features and models", ("features", "models")),
    ("capabilities", ("pipeline.rules", "pipeline.text", "pipeline.speech", "pipeline.calls", "pipeline.chats",
                      "pipeline.surveys", "pipeline.csi", "pipeline.checklists", "pipeline.review",
                      "pipeline.alarms", "pipeline.devices", "pipeline.desk", "pipeline.users", "pipeline.coaching",
                      "pipeline.retention", "pipeline.pickup", "pipeline.cx", "pipeline.drivers", "pipeline.employees",
                      "pipeline.campaigns", "pipeline.mystery", "pipeline.value", "pipeline.feedback", "hardware")),
    ("registries", ("pipeline.stages", "pipeline.ingest")),
    ("flows", ("flows",)),
    ("interfaces", ("pipeline.cli", "pipeline.web", "bench")),
]
PACKAGE_ROOTS = ("pipeline", "features", "models", "flows", "hardware")  # their __init__ only re-exports


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _source_files() -> list[Path]:
    files = [p for package in sorted(PROJECT | {"bench"}) for p in (ROOT / package).rglob("*.py")]
    return [p for p in files if "migrations" not in p.parts]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in _source_files()}


def _resolve(name: str) -> str | None:
    """The project module that `import name` (or `from name import ...`) loads, or None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports_of(module: str) -> set[str]:
    """Every project module this module imports, at the top or inside a function."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names]  # `from pkg import module` names a module
        else:
            continue
        for target in targets:
            resolved = _resolve(target)
            if resolved and resolved != module:
                found.add(resolved)
    return found


GRAPH = {module: _imports_of(module) for module in MODULES}


def _floor(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for level, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (level, len(prefix))
    return None if best is None else best[0]


@pytest.mark.parametrize(("package", "allowed"), [
    ("features", {"features"}),
    ("models", {"features", "models"}),
    ("pipeline", {"pipeline", "features", "models", "hardware"}),  # floors keep hardware above the store
    ("hardware", {"hardware", "pipeline", "features", "models"}),
])
def test_imports_point_one_way(package, allowed):
    for path in (ROOT / package).rglob("*.py"):
        if {"cli", "web"} & set(path.relative_to(ROOT).parts) or "migrations" in path.parts:
            continue  # the CLI and the web app are the outermost edge and may start flows
        wrong = (_imported_packages(path) & PROJECT) - allowed
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_only_the_cli_starts_flows():
    users = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pipeline").rglob("*.py")
                   if "flows" in _imported_packages(p))
    assert users and all(u.startswith("pipeline/cli/") for u in users), users


def test_every_module_stands_on_a_floor():
    homeless = sorted(m for m in MODULES if m not in PACKAGE_ROOTS and _floor(m) is None)
    assert not homeless, f"not in the layer table (tests/test_layout.py FLOORS, README 'Layout'): {homeless}"


def test_no_import_runs_up_the_layer_table():
    upward = []
    for module, targets in GRAPH.items():
        here = _floor(module)
        if here is None:
            continue
        for target in targets:
            there = _floor(target)
            if there is not None and there > here:
                upward.append(f"{module} ({FLOORS[here][0]}) imports {target} ({FLOORS[there][0]})")
    assert not upward, "\n".join(sorted(upward))


def test_the_catalog_knows_only_records_and_settings():
    known = ("pipeline.catalog", "pipeline.records", "pipeline.settings", "pipeline.masking")
    wrong = sorted(f"{m} imports {t}" for m, targets in GRAPH.items() if m.startswith("pipeline.catalog")
                   for t in targets if not t.startswith(known))
    assert not wrong, "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle():
    assert not _cycles(GRAPH), _cycles(GRAPH)


def _room(module: str) -> str:
    """The folder a module lives in: ``pipeline.calls.stage`` -> ``pipeline.calls``, ``models.csi.fit`` -> ``models``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "pipeline" else parts[0]


def test_no_two_rooms_import_each_other():
    rooms: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        rooms.setdefault(_room(module), set()).update(_room(t) for t in targets if _room(t) != _room(module))
    assert not _cycles(rooms), _cycles(rooms)


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_modules_stay_small():
    big = sorted(f"{p.relative_to(ROOT)}: {n} lines" for p in _source_files()
                 if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES)
    assert not big, f"over {MAX_MODULE_LINES} lines; split by concept:\n" + "\n".join(big)


def test_light_imports_stay_light():
    code = ("import sys, features.loudness, pipeline.records, pipeline.settings, pipeline.cli; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert loaded.stdout.strip() == "[]"
