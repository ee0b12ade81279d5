"""Users, roles, their credentials (argon2 hashes) and who may see which contact."""

from pipeline.users.access import ContactScope, can_see, scope_of
from pipeline.users.accounts import UserError
from pipeline.users.user import LANGUAGES, ROLES, User

__all__ = ["LANGUAGES", "ROLES", "ContactScope", "User", "UserError", "can_see", "scope_of"]
