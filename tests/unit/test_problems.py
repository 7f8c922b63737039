"""problem+json for litestar's own errors: a 500 it raises says nothing of the hub's insides."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import TestClient

from hub.api.problems import PROBLEM_JSON, exception_handlers


@get("/broken", sync_to_thread=False)
def broken() -> None:
    raise ImproperlyConfiguredException("'user' is not defined in scope, install an AuthMiddleware")


def test_a_litestar_500_keeps_its_detail_to_the_log() -> None:
    app = Litestar([broken], exception_handlers=exception_handlers)
    with TestClient(app) as client:
        r = client.get("/broken")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith(PROBLEM_JSON)
    assert "AuthMiddleware" not in r.text and "scope" not in r.text
    assert r.json()["title"] == "Internal error"
