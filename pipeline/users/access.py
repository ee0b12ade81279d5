"""Who may see which contact: one rule, as a test on a contact and as a filter for queries.

An operator sees the contacts whose operator_id is theirs; a supervisor the contacts of their team;
a reviewer and an admin every contact. Outside the caller's rights a contact does not exist for them:
the API answers 404, never 403, and leaves it out of lists and counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.records import Contact
from pipeline.users.user import User


@dataclass(frozen=True, slots=True)
class ContactScope:
    """The contacts a user may see, as query filters; None is no limit on that column."""

    operator_ids: frozenset[str] | None = None
    teams: frozenset[str] | None = None

    @property
    def unlimited(self) -> bool:
        return self.operator_ids is None and self.teams is None

    def admits(self, contact: Contact) -> bool:
        if self.operator_ids is not None and contact.operator_id not in self.operator_ids:
            return False
        return self.teams is None or contact.team in self.teams


def scope_of(user: User) -> ContactScope:
    """The contacts ``user`` may see; a disabled user sees none."""
    if user.disabled:
        return ContactScope(operator_ids=frozenset(), teams=frozenset())
    if user.role == "operator":
        return ContactScope(operator_ids=frozenset({user.operator_id}) if user.operator_id else frozenset())
    if user.role == "supervisor":
        return ContactScope(teams=frozenset({user.team}) if user.team else frozenset())
    return ContactScope()


def can_see(user: User, contact: Contact) -> bool:
    """True when ``user`` may see ``contact`` (and its audio, scores and feedback)."""
    return scope_of(user).admits(contact)
