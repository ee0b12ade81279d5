"""What every chat parser shares: the format error, and who-is-who by author name.

Name-based formats (Telegram, WhatsApp) carry no roles, so roles come from names:

- ``roles`` maps author names to roles, compared trimmed and case-insensitively (a Telegram
  ``from_id`` such as ``user123456`` may be named instead of the display name);
- when the mapping names at least one author of the file, mapped authors get their role and
  every unmapped author is a customer (``roles_source="mapping"``);
- otherwise, per chat, the first author to write is the customer and every later author is an
  agent (``roles_source="guess"``);
- in both cases an unmapped author whose name ends in "bot" (any case) or "бот" is a ``bot``, and a
  bot is never taken for the first customer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pipeline.records import CHAT_ROLES, ChatMessage


class ChatFormatError(ValueError):
    """The file cannot be read as a chat at all; the message names the file and what was expected."""


@dataclass(frozen=True, slots=True)
class Authored:
    """A message whose role is not known yet; ``aliases`` are other names ``roles`` may use for the author."""

    chat_id: str
    sent_at: datetime
    author: str
    text: str
    aliases: tuple[str, ...] = ()


def _key(name: str) -> str:
    return name.strip().casefold()


def checked_roles(roles: Mapping[str, str] | None) -> dict[str, str]:
    """``roles`` keyed by trimmed, case-folded name; raises ValueError on a role that does not exist."""
    keyed = {}
    for name, role in (roles or {}).items():
        if role not in CHAT_ROLES:
            raise ValueError(f"roles[{name!r}]={role!r}; expected one of {sorted(CHAT_ROLES)}")
        keyed[_key(name)] = role
    return keyed


def is_bot_name(name: str) -> bool:
    """True for names like ``SupportBot``, ``shop_bot`` or ``Ромашка Бот``."""
    return _key(name).endswith(("bot", "бот"))


def with_roles(said: Sequence[Authored], roles: Mapping[str, str]) -> tuple[list[ChatMessage], str]:
    """Give each message its role by the rules of the module docstring; also return ``roles_source``.

    ``roles`` must come from :func:`checked_roles`.
    """

    def mapped(message: Authored) -> str | None:
        for name in (message.author, *message.aliases):
            if _key(name) in roles:
                return roles[_key(name)]
        return None

    use_mapping = any(mapped(m) is not None for m in said)
    customers: dict[str, str] = {}  # chat_id -> key of its first human author
    out = []
    for m in said:
        role = mapped(m) if use_mapping else None
        if role is None:
            if is_bot_name(m.author):
                role = "bot"
            elif use_mapping:
                role = "customer"
            else:
                role = "customer" if customers.setdefault(m.chat_id, _key(m.author)) == _key(m.author) else "agent"
        out.append(ChatMessage(chat_id=m.chat_id, sent_at=m.sent_at, role=role, author=m.author, text=m.text))
    return out, "mapping" if use_mapping else "guess"
