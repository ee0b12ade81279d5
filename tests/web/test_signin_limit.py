"""Password guessing through ``POST /signin`` is limited: 5 failures of a name, or 20 from one client
address, in 5 minutes give 429 with Retry-After, right password or not; a success resets the name.
A real app over a SQLite catalog and FastAPI's TestClient; the limiter's clock is the test's."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD

WRONG = "not the password"


class Clock:
    def __init__(self) -> None:
        self.now_s = 1_000.0

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from pipeline.settings import Settings
    from pipeline.users.accounts import add_user
    from pipeline.web.app import create_app

    home = tmp_path_factory.mktemp("cxmon-home")
    app = create_app(Settings(home=home, catalog_url=f"sqlite:///{home / 'catalog.sqlite3'}"))
    for name in ("olga", "ann", "rita"):
        add_user(app.state.store.catalog, name, "reviewer", password=PASSWORD, language="en")
    yield app
    app.state.store.catalog.close()


@pytest.fixture
def clock(app) -> Clock:
    from pipeline.web.auth import SigninLimiter

    clock = Clock()
    app.state.signin_limiter = SigninLimiter(clock=clock)  # a fresh limiter for each test
    return clock


def client(app, address: str = "192.0.2.1"):
    from fastapi.testclient import TestClient

    return TestClient(app, base_url="http://testserver", client=(address, 40000), follow_redirects=False)


def signin(http, name: str, password: str):
    return http.post("/signin", json={"name": name, "password": password})


def test_the_sixth_try_is_429_even_with_the_right_password_and_another_name_is_unaffected(app, clock):
    http = client(app)
    for _ in range(5):
        assert signin(http, "olga", WRONG).status_code == 401
    refused = signin(http, "olga", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "300"
    assert refused.json() == {"detail": "too many failed sign-ins; try again in 300 s"}
    assert "set-cookie" not in refused.headers
    assert signin(client(app, "198.51.100.7"), "olga", PASSWORD).status_code == 429  # the name, from anywhere
    ann = signin(http, "ann", PASSWORD)  # the same address, another name
    assert ann.status_code == 200 and ann.json()["user"]["name"] == "ann"


def test_a_browser_form_is_limited_too(app, clock):
    http = client(app)
    for _ in range(5):
        assert http.post("/signin", data={"name": "olga", "password": WRONG}).status_code == 303
    refused = http.post("/signin", data={"name": "olga", "password": PASSWORD, "next": "/queue"},
                        headers={"Accept-Language": "en"})
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "300")
    assert refused.headers["content-type"].startswith("text/html")  # the sign-in page again, saying why
    assert "Try again in 5 min" in refused.text and 'value="/queue"' in refused.text
    assert "set-cookie" not in refused.headers


def test_the_limit_lifts_when_the_oldest_failure_is_five_minutes_old(app, clock):
    http = client(app)
    for step in range(5):
        clock.now_s = 1_000.0 + 10 * step  # failures at 1000, 1010, ..., 1040
        assert signin(http, "olga", WRONG).status_code == 401
    clock.now_s = 1_299.5
    assert signin(http, "olga", PASSWORD).headers["retry-after"] == "1"
    clock.now_s = 1_300.0  # the failure at 1000 is out of the window: 4 left, one more try
    assert signin(http, "olga", WRONG).status_code == 401
    assert signin(http, "olga", PASSWORD).headers["retry-after"] == "10"  # now the one at 1010 must age
    clock.now_s = 1_310.0
    assert signin(http, "olga", PASSWORD).status_code == 200


def test_a_success_resets_the_names_count(app, clock):
    http = client(app)
    for _ in range(4):
        assert signin(http, "olga", WRONG).status_code == 401
    assert signin(http, "olga", PASSWORD).status_code == 200
    for _ in range(4):  # 4 more would be 8 in the window without the reset
        assert signin(http, "olga", WRONG).status_code == 401
    assert signin(http, "olga", PASSWORD).status_code == 200


def test_one_address_trying_many_names_is_stopped_after_20_failures(app, clock):
    http = client(app)
    for i in range(19):
        assert signin(http, f"guess{i}", WRONG).status_code == 401
    assert signin(http, "olga", WRONG).status_code == 401  # the 20th failure from here
    refused = signin(http, "rita", PASSWORD)  # a name never tried, but from here
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "300")
    assert signin(client(app, "198.51.100.7"), "rita", PASSWORD).status_code == 200  # another address: let in
    assert signin(http, "rita", PASSWORD).status_code == 429  # rita's success reset her name, not this address


def test_the_limiter_forgets_the_least_recent_keys_beyond_its_bound():
    from pipeline.web.auth import SigninLimiter

    limiter = SigninLimiter(max_per_name=1, max_per_address=1000, max_keys=4, clock=lambda: 0.0)
    for name in ("a", "b", "c"):  # 3 names + 1 address = 4 keys
        limiter.failed(name, "192.0.2.1")
    assert [limiter.retry_after_s(n, "192.0.2.9") for n in ("a", "b", "c")] == [300, 300, 300]
    limiter.failed("d", "192.0.2.1")  # a fifth key: the least recently failed, "a", goes
    assert [limiter.retry_after_s(n, "192.0.2.9") for n in ("a", "b", "c", "d")] == [0, 300, 300, 300]


@pytest.mark.parametrize("limits", [{"max_per_name": 0}, {"window_s": 0}, {"max_keys": 0}])
def test_limits_that_are_not_limits_are_refused(limits):
    from pipeline.web.auth import SigninLimiter

    with pytest.raises(ValueError, match="sign-in limits"):
        SigninLimiter(**limits)
