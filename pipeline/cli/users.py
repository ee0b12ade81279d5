"""``cxmon users add|list|disable|token``: who may use the web app and the API, and their API tokens.

A token is printed once, when it is made; the catalog keeps only its argon2 hash.
"""

from __future__ import annotations

import sys

import click

from pipeline.cli.common import open_configured_store, print_json

ROLE_CHOICES = ("admin", "supervisor", "reviewer", "operator")  # pipeline.users.ROLES, without importing argon2


@click.group()
def users() -> None:
    """Users of the web app and API: roles, passwords, tokens."""


def _read_password() -> str:
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise click.UsageError("--password-stdin: stdin held no password (one line expected)")
    return password


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, help="admin | supervisor | reviewer | operator.")
@click.option("--operator-id", help="The operator id in contacts (required for --role operator): their own contacts.")
@click.option("--team", help="The team (required for --role supervisor): the contacts of that team.")
@click.option("--language", type=click.Choice(["ru", "en"]), default="ru", show_default=True,
              help="Interface language.")
@click.option("--unredacted", is_flag=True, help="May read transcripts with personal data as spoken.")
@click.option("--password-stdin", is_flag=True, help="Read a password for the browser sign-in from stdin.")
@click.option("--json", "as_json", is_flag=True, help='Print {"token": ...} as JSON.')
def add(name: str, role: str, operator_id: str | None, team: str | None, language: str, unredacted: bool,
        password_stdin: bool, as_json: bool) -> None:
    """Add user NAME and print their first API token (shown this once)."""
    from pipeline.users.accounts import UserError, add_user

    if role not in ROLE_CHOICES:
        raise click.UsageError(f"--role {role!r}: unknown role; expected one of {', '.join(ROLE_CHOICES)}")
    password = _read_password() if password_stdin else None
    store = open_configured_store()
    try:
        user, token = add_user(store.catalog, name, role, operator_id=operator_id, team=team, language=language,
                               unredacted=unredacted, password=password)
    except UserError as error:
        raise click.UsageError(str(error)) from None
    finally:
        store.catalog.close()
    if as_json:
        print_json({"token": token, "user_id": user.user_id, "name": user.name, "role": user.role})
    else:
        click.echo(f"user {user.name} ({user.role}) added; API token (shown once, keep it):\n{token}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON.")
def list_users(as_json: bool) -> None:
    """Every user, their role, team, operator id and whether disabled."""
    from pipeline.tables import table
    from pipeline.users.accounts import list_users as listed
    from pipeline.users.user import user_document

    store = open_configured_store()
    try:
        documents = [user_document(u) for u in listed(store.catalog)]
    finally:
        store.catalog.close()
    if as_json:
        print_json(documents)
        return
    if not documents:
        click.echo("no users; add one with `cxmon users add NAME --role admin`")
        return
    click.echo(table([[d["name"], d["role"], d["operator_id"], d["team"], d["language"],
                       "disabled" if d["disabled"] else "active"] for d in documents],
                     ["name", "role", "operator_id", "team", "language", "status"]))


@users.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Disable user NAME: their tokens and sessions are refused from now on."""
    from pipeline.users.accounts import UserError, disable_user

    store = open_configured_store()
    try:
        disable_user(store.catalog, name)
    except UserError as error:
        raise click.UsageError(str(error)) from None
    finally:
        store.catalog.close()
    click.echo(f"user {name} disabled", err=True)


@users.command("token")
@click.argument("name")
@click.option("--revoke-old", is_flag=True, help="Revoke the user's earlier tokens.")
@click.option("--json", "as_json", is_flag=True, help='Print {"token": ...} as JSON.')
def token(name: str, revoke_old: bool, as_json: bool) -> None:
    """A new API token for NAME (shown this once); earlier tokens stay valid unless --revoke-old."""
    from pipeline.users.accounts import UserError, find_user, new_token

    store = open_configured_store()
    try:
        user = find_user(store.catalog, name)
        if user.disabled:
            raise UserError(f"user {name!r} is disabled; a token for them would be refused")
        made = new_token(store.catalog, user, revoke_old=revoke_old)
    except UserError as error:
        raise click.UsageError(str(error)) from None
    finally:
        store.catalog.close()
    if as_json:
        print_json({"token": made})
    else:
        click.echo(made)
