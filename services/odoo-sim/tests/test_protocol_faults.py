"""Fault injection: settings validation, deterministic failures, the loopback-only admin endpoint
and the effect on a running simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tollgate_odoo_sim.app import create_app
from tollgate_odoo_sim.faults import FaultConfig, FaultConfigError, Faults
from tollgate_odoo_sim.testing import serving
from tollgate_odoo_sim.versions import parse_version

if TYPE_CHECKING:
    from tollgate_odoo_sim.service import OdooService


# Client libraries (and xmlrpc.client itself) drop keep-alive sockets without closing them.
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.usefixtures("_collect_client_sockets"),
]


@pytest.mark.parametrize(
    "settings",
    [
        {"latency_ms": -1},
        {"error_rate": 1.5},
        {"error_rate": "often"},
        {"error_every": 2.5},
        {"down": "yes"},
        {"slow_ms": True},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(FaultConfigError):
        FaultConfig(**settings)


def test_unknown_setting_is_named() -> None:
    with pytest.raises(FaultConfigError, match="latency"):
        FaultConfig().updated({"latency": 5})


def test_every_nth_request_fails() -> None:
    faults = Faults(FaultConfig(error_every=3))
    assert [faults.should_fail() for _ in range(7)] == [False, False, True] * 2 + [False]


def test_error_rate_is_reproducible_with_a_seed() -> None:
    def draws(seed: int) -> list[bool]:
        faults = Faults(FaultConfig(error_rate=0.5, seed=seed))
        return [faults.should_fail() for _ in range(200)]

    first = draws(7)
    assert first == draws(7)
    assert 0 < sum(first) < 200
    assert not any(Faults(FaultConfig(error_rate=0.0)).should_fail() for _ in range(50))
    assert all(Faults(FaultConfig(error_rate=1.0)).should_fail() for _ in range(50))


@pytest.fixture(scope="module")
def service() -> OdooService:
    from tollgate_odoo_sim.service import OdooService

    return OdooService.create(parse_version("18.0"))


@pytest.fixture(scope="module")
def faulty(service: OdooService) -> Iterator[tuple[str, Faults]]:
    faults = Faults()
    with serving(create_app(service, faults)) as url:
        yield url, faults


@pytest.fixture
def sim_faults(faulty: tuple[str, Faults]) -> Iterator[tuple[str, Faults]]:
    url, faults = faulty
    yield url, faults
    faults.configure(FaultConfig())


def test_admin_endpoint_reads_and_updates(sim_faults: tuple[str, Faults]) -> None:
    url, faults = sim_faults
    assert httpx.get(f"{url}/_sim/faults").json() == {
        "latency_ms": 0, "slow_ms": 0, "error_rate": 0.0, "error_every": 0, "down": False,
        "seed": 0,
    }  # fmt: skip
    response = httpx.put(f"{url}/_sim/faults", json={"error_every": 2})
    assert response.status_code == 200
    assert response.json()["error_every"] == 2
    assert faults.config.error_every == 2


def test_admin_endpoint_refuses_bad_input_and_changes_nothing(
    sim_faults: tuple[str, Faults],
) -> None:
    url, faults = sim_faults
    for body in ({"error_rate": 3}, {"nope": 1}, [1]):
        response = httpx.put(f"{url}/_sim/faults", json=body)
        assert response.status_code == 400
        assert response.json()["error"]
    assert faults.config == FaultConfig()


async def test_admin_endpoint_answers_loopback_only(service: OdooService) -> None:
    app = create_app(service)
    for host, status in (("10.1.2.3", 403), ("192.168.0.9", 403), ("127.0.0.1", 200)):
        transport = httpx.ASGITransport(app=app, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            assert (await client.get("/_sim/faults")).status_code == status
            put = await client.put("/_sim/faults", json={"down": True})
            assert put.status_code == status
            await client.put("/_sim/faults", json={"down": False})


def test_down_answers_502_but_admin_still_works(sim_faults: tuple[str, Faults]) -> None:
    url, _ = sim_faults
    httpx.put(f"{url}/_sim/faults", json={"down": True})
    health = httpx.get(f"{url}/web/health")
    assert health.status_code == 502
    assert "502 Bad Gateway" in health.text
    assert httpx.post(f"{url}/jsonrpc", json={}).status_code == 502
    assert httpx.put(f"{url}/_sim/faults", json={"down": False}).status_code == 200
    assert httpx.get(f"{url}/web/health").status_code == 200


def test_every_nth_request_gets_502(sim_faults: tuple[str, Faults]) -> None:
    url, _ = sim_faults
    httpx.put(f"{url}/_sim/faults", json={"error_every": 2})
    statuses = [httpx.get(f"{url}/web/health").status_code for _ in range(4)]
    assert statuses == [200, 502, 200, 502]


def test_latency_and_slow_body_delay_but_answer(sim_faults: tuple[str, Faults]) -> None:
    url, _ = sim_faults
    httpx.put(f"{url}/_sim/faults", json={"latency_ms": 60, "slow_ms": 60})
    started = time.monotonic()
    response = httpx.get(f"{url}/web/health")
    assert response.json() == {"status": "pass"}
    # a lower bound only: the injected delays happened (no upper bound, machines vary)
    assert time.monotonic() - started >= 0.12
