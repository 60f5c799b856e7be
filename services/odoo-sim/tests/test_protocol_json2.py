"""JSON-2: POST /json/2/<model>/<method> with a bearer API key, on Odoo 19 only."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

# Client libraries (and xmlrpc.client itself) drop keep-alive sockets without closing them.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]

DB = "odoo"


def _headers(user: DemoUser) -> dict[str, str]:
    return {"Authorization": f"bearer {user.api_key}", "X-Odoo-Database": DB}


def test_search_read_returns_the_bare_result(sim19: str, users: dict[str, DemoUser]) -> None:
    response = httpx.post(
        f"{sim19}/json/2/res.partner/search_read",
        json={"domain": [["is_company", "=", True]], "fields": ["name"], "limit": 2,
              "context": {"lang": "en_US"}},
        headers=_headers(users["admin"]),
    )  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    rows = response.json()
    assert isinstance(rows, list)
    assert 1 <= len(rows) <= 2
    assert set(rows[0]) == {"id", "name"}


def test_record_method_with_ids(sim19: str, users: dict[str, DemoUser]) -> None:
    headers = _headers(users["admin"])
    ids = httpx.post(
        f"{sim19}/json/2/res.partner/search", json={"domain": [], "limit": 2}, headers=headers
    ).json()
    response = httpx.post(
        f"{sim19}/json/2/res.partner/read", json={"ids": ids, "fields": ["name"]}, headers=headers
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == ids


def test_database_header_is_optional_with_one_database(
    sim19: str, users: dict[str, DemoUser]
) -> None:
    headers = {"Authorization": f"bearer {users['admin'].api_key}"}
    response = httpx.post(
        f"{sim19}/json/2/res.partner/search_count", json={"domain": []}, headers=headers
    )
    assert response.status_code == 200
    assert response.json() > 0
    unknown = httpx.post(
        f"{sim19}/json/2/res.partner/search_count",
        json={"domain": []},
        headers={**headers, "X-Odoo-Database": "nosuchdb"},
    )
    assert unknown.status_code == 404


def test_unknown_model_and_method_are_404(sim19: str, users: dict[str, DemoUser]) -> None:
    headers = _headers(users["admin"])
    for path in ("no.such.model/search", "res.partner/no_such_method"):
        response = httpx.post(f"{sim19}/json/2/{path}", json={}, headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["name"] == "werkzeug.exceptions.NotFound"


def test_unexpected_parameter_is_422(sim19: str, users: dict[str, DemoUser]) -> None:
    response = httpx.post(
        f"{sim19}/json/2/res.partner/search",
        json={"domain": [], "badparameter": 1},
        headers=_headers(users["admin"]),
    )
    assert response.status_code == 422
    assert response.json()["name"] == "werkzeug.exceptions.UnprocessableEntity"
    assert "badparameter" in response.json()["message"]


def test_bad_body_is_400(sim19: str, users: dict[str, DemoUser]) -> None:
    headers = {**_headers(users["admin"]), "Content-Type": "application/json"}
    for body in (b"{nope", b"[1, 2]"):
        response = httpx.post(f"{sim19}/json/2/res.partner/search", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["name"] == "werkzeug.exceptions.BadRequest"


def test_only_post_after_authentication(sim19: str, users: dict[str, DemoUser]) -> None:
    url = f"{sim19}/json/2/res.partner/search"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers=_headers(users["admin"])).status_code == 405


@pytest.mark.parametrize("fixture", ["sim17", "sim18"])
def test_json2_does_not_exist_before_19(
    fixture: str, request: pytest.FixtureRequest, users: dict[str, DemoUser]
) -> None:
    url = request.getfixturevalue(fixture)
    response = httpx.post(
        f"{url}/json/2/res.partner/search", json={"domain": []}, headers=_headers(users["admin"])
    )
    # no such route: for a JSON request Odoo answers with a JSON-RPC 404 error
    assert response.status_code == 200
    assert response.json()["error"]["code"] == 404
    assert httpx.get(f"{url}/json/2/res.partner/search").status_code == 404


def test_a_body_that_is_not_json_never_reaches_the_route(sim19: str) -> None:
    response = httpx.post(
        f"{sim19}/json/2/res.partner/search",
        content=b"domain=[]",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # refused by Odoo's routing, before authentication, with its HTML 400 page
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "type=&#x27;json2&#x27;" in response.text
