"""Telling an outage (a server that could not be reached) from a bad contact or a bug.

An outage is worth another try later; a bad contact is not. The S3 client (urllib3) and the
database drivers raise their own connection errors, known here by name so that this module
imports none of them.
"""

from __future__ import annotations

_OUTAGE_ERRORS = frozenset({"MaxRetryError", "NewConnectionError", "ProtocolError", "ReadTimeoutError",
                            "OperationalError", "InterfaceError"})


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
