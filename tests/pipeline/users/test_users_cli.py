"""``cxmon users``: the contract (``add ... --json`` -> {"token"}), its clear errors, list, disable, token."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.cli import main


def _run(*args, input=None):
    return CliRunner().invoke(main, ["users", *args], input=input)


def _user_of(token):
    from pipeline.settings import Settings
    from pipeline.store import open_store
    from pipeline.users.accounts import user_of_token

    store = open_store(Settings())
    try:
        return user_of_token(store.catalog, token)
    finally:
        store.catalog.close()


def test_add_prints_a_token_that_works(home):
    result = _run("add", "olga", "--role", "operator", "--operator-id", "op1", "--team", "A", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"token", "user_id", "name", "role"} and body["role"] == "operator"
    user = _user_of(body["token"])
    assert (user.name, user.operator_id, user.team, user.language) == ("olga", "op1", "A", "ru")


def test_password_from_stdin_signs_in(home):
    from pipeline.settings import Settings
    from pipeline.store import open_store
    from pipeline.users.accounts import sign_in

    assert _run("add", "ann", "--role", "admin", "--password-stdin", input="correct horse battery\n").exit_code == 0
    store = open_store(Settings())
    assert sign_in(store.catalog, "ann", "correct horse battery")[0].role == "admin"
    store.catalog.close()


@pytest.mark.parametrize(("args", "message"), [
    (["add", "x", "--role", "boss"], "--role 'boss': unknown role; expected one of admin, supervisor, reviewer, operator"),
    (["add", "x", "--role", "operator"], "an operator needs an operator id (--operator-id)"),
    (["add", "x", "--role", "supervisor"], "a supervisor needs a team (--team)"),
    (["add", "rita", "--role", "reviewer"], "user 'rita' exists already"),
    (["add", "x", "--role", "admin", "--password-stdin"], "--password-stdin: stdin held no password"),
    (["disable", "nobody"], "no user 'nobody'"),
    (["token", "nobody"], "no user 'nobody'"),
])
def test_errors_are_one_line_and_exit_2(home, args, message):
    assert _run("add", "rita", "--role", "reviewer").exit_code == 0
    result = _run(*args, input="")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_list_disable_and_token(home):
    first = json.loads(_run("add", "rita", "--role", "reviewer", "--json").stdout)["token"]
    second = json.loads(_run("token", "rita", "--json").stdout)["token"]
    assert _user_of(first) is not None and _user_of(second) is not None
    third = _run("token", "rita", "--revoke-old").stdout.strip()
    assert (_user_of(first), _user_of(second), _user_of(third).name) == (None, None, "rita")
    listed = json.loads(_run("list", "--json").stdout)
    assert [(u["name"], u["role"], u["disabled"]) for u in listed] == [("rita", "reviewer", False)]
    assert _run("disable", "rita").exit_code == 0
    assert _user_of(third) is None
    table = _run("list").stdout.splitlines()
    assert table[0].split() == ["name", "role", "operator_id", "team", "language", "status"]
    assert table[2].split() == ["rita", "reviewer", "ru", "disabled"]
    result = _run("token", "rita")
    assert result.exit_code == 2 and "user 'rita' is disabled" in result.stderr
