"""The visibility rule, as a test on one contact and as a query scope."""

from __future__ import annotations

import pytest

from pipeline.records import Contact
from pipeline.users import ContactScope, User, can_see, scope_of


def _contact(operator_id, team):
    return Contact(contact_id="c1", channel="call", source="a.wav", object_key="raw/c1", operator_id=operator_id,
                   team=team)


OPERATOR = User("u1", "olga", "operator", operator_id="op1")
SUPERVISOR = User("u2", "sam", "supervisor", team="A")


@pytest.mark.parametrize(("user", "operator_id", "team", "seen"), [
    (OPERATOR, "op1", "A", True), (OPERATOR, "op2", "A", False), (OPERATOR, None, None, False),
    (SUPERVISOR, "op2", "A", True), (SUPERVISOR, "op1", "B", False), (SUPERVISOR, "op1", None, False),
    (User("u3", "rita", "reviewer"), "op9", None, True), (User("u4", "ann", "admin"), None, None, True),
    (User("u5", "dan", "reviewer", disabled=True), "op1", "A", False),
])
def test_can_see(user, operator_id, team, seen):
    assert can_see(user, _contact(operator_id, team)) is seen


def test_scopes_as_query_filters():
    assert scope_of(OPERATOR) == ContactScope(operator_ids=frozenset({"op1"}))
    assert scope_of(SUPERVISOR) == ContactScope(teams=frozenset({"A"}))
    assert scope_of(User("u3", "rita", "reviewer")).unlimited
    assert scope_of(User("u5", "dan", "admin", disabled=True)) == ContactScope(frozenset(), frozenset())


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"role": "operator"}, "an operator needs an operator id"),
    ({"role": "supervisor"}, "a supervisor needs a team"),
    ({"role": "boss"}, "role 'boss'; expected one of admin, supervisor, reviewer, operator"),
    ({"role": "admin", "language": "de"}, "language 'de'; expected one of ru, en"),
])
def test_a_user_checks_itself(kwargs, message):
    with pytest.raises(ValueError, match=message):
        User("u1", "x", **kwargs)
