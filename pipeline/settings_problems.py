"""What a bad setting is told as: its name, where it was set and what is expected, never its value."""

from __future__ import annotations

import os

from pydantic import ValidationError

from pipeline.settings import config_file


def _origin(field: str) -> str:
    """Where a setting's value came from: its variable (which wins), the settings file, or nowhere known."""
    variable = f"CXMON_{field.upper()}"
    if any(name.upper() == variable for name in os.environ):
        return variable
    try:
        path = config_file()
    except FileNotFoundError:
        path = None
    return f"in {path}" if path is not None else ""


def settings_problems(error: ValidationError) -> list[str]:
    """One line per bad setting: its name, where it was set and what is expected -- never the value.

    Pydantic's own message quotes every input value, and a value may be a password or personal.
    The keys inside a table setting (``chat_roles`` author names) are data too: only list positions
    are named.
    """
    problems = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        loc = item["loc"]
        if not loc:
            problems.append(item["msg"].removeprefix("Value error, "))
            continue
        field = str(loc[0])
        notes = [_origin(field)]
        if any(isinstance(part, str) for part in loc[1:]):
            notes.insert(0, "one entry")
        label = field + "".join(f"[{part}]" for part in loc[1:] if isinstance(part, int))
        if any(notes):
            label += f" ({', '.join(n for n in notes if n)})"
        if item["type"] == "extra_forbidden":
            problems.append(f"{label}: unknown setting; `cxmon config` lists the known ones")
        else:
            problems.append(f"{label}: {item['msg'].removeprefix('Value error, ')}")
    return problems
