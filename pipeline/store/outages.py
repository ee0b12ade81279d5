"""Telling an outage (a server that could not be reached) from a bad contact or a bug.

An outage is worth another try later; a bad contact is not. The S3 client (urllib3) and the
database drivers raise their own connection errors, known here by name so that this module
imports none of them.
"""

from __future__ import annotations

_OUTAGE_ERRORS = frozenset({"MaxRetryError", "NewConnectionError", "ProtocolError", "ReadTimeoutError",
                            "OperationalError", "InterfaceError"})
# Where an error's class comes from says which server was out of reach.
_CATALOG_MODULES = ("sqlalchemy", "psycopg", "sqlite3")
_OBJECTS_MODULES = ("urllib3", "minio")


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says a server could not be reached: worth another try
    later, unlike a bad contact. Connection and timeout errors, urllib3's (S3) and the database
    driver's connection errors."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        names = {cls.__name__ for cls in type(error).__mro__}
        if isinstance(error, (ConnectionError, TimeoutError)) or names & _OUTAGE_ERRORS:
            return True
        error = error.__cause__ or error.__context__
    return False


def outage_server(error: BaseException) -> str | None:
    """Which server ``error`` (or what caused it) comes from: ``"catalog"`` (the database driver),
    ``"objects"`` (the S3 client), or None when its classes do not say.

    >>> class OperationalError(Exception): ...
    >>> OperationalError.__module__ = "sqlalchemy.exc"
    >>> outage_server(OperationalError()), outage_server(ConnectionRefusedError(111, "refused"))
    ('catalog', None)
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        modules = {cls.__module__ for cls in type(error).__mro__}
        if any(m.startswith(_CATALOG_MODULES) for m in modules):
            return "catalog"
        if any(m.startswith(_OBJECTS_MODULES) for m in modules):
            return "objects"
        error = error.__cause__ or error.__context__
    return None
