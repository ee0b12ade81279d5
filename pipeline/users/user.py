"""A user of the web app and API: who they are, their role and what they may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ROLES = ("admin", "supervisor", "reviewer", "operator")
"""admin manages users and settings; supervisor sees a team; reviewer reviews every contact; operator sees
their own contacts."""

LANGUAGES = ("ru", "en")
Role = Literal["admin", "supervisor", "reviewer", "operator"]


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    name: str
    role: Role
    operator_id: str | None = None
    team: str | None = None
    language: Literal["ru", "en"] = "ru"
    unredacted: bool = False
    """May read transcripts with personal data shown as spoken."""
    disabled: bool = False

    def __post_init__(self) -> None:
        if not self.user_id or not self.name:
            raise ValueError("a user needs a user_id and a name")
        if self.role not in ROLES:
            raise ValueError(f"role {self.role!r}; expected one of {', '.join(ROLES)}")
        if self.language not in LANGUAGES:
            raise ValueError(f"language {self.language!r}; expected one of {', '.join(LANGUAGES)}")
        if self.role == "operator" and not self.operator_id:
            raise ValueError("an operator needs an operator id (--operator-id): it says whose contacts they see")
        if self.role == "supervisor" and not self.team:
            raise ValueError("a supervisor needs a team (--team): it says whose contacts they see")


def user_from_row(row: dict[str, Any]) -> User:
    """The user a catalog row describes."""
    return User(user_id=row["user_id"], name=row["name"], role=row["role"], operator_id=row["operator_id"],
                team=row["team"], language=row["language"], unredacted=bool(row["unredacted"]),
                disabled=bool(row["disabled"]))


def user_document(user: User) -> dict[str, Any]:
    """A user as the API and ``cxmon users list --json`` show them."""
    return {"user_id": user.user_id, "name": user.name, "role": user.role, "operator_id": user.operator_id,
            "team": user.team, "language": user.language, "unredacted": user.unredacted, "disabled": user.disabled}
