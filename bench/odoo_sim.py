"""The Odoo simulator's own throughput: calls/s of a 10-row ``res.partner`` search_read on each
protocol (XML-RPC, JSON-RPC, the web client's call_kw, JSON-2 on a 19.0 instance).

Later benchmarks compare against these numbers to tell whether the simulator is their
bottleneck. Each protocol is measured over one keep-alive connection, sequentially, after a
warm-up; no thresholds, only numbers.

    uv run --frozen python bench/odoo_sim.py [--seconds 2] [--url18 URL] [--url19 URL]
"""

from __future__ import annotations

import os
import sys

# Python puts this script's folder first on sys.path, and bench/ holds scripts named like
# standard modules (operator.py) that would shadow them: import nothing from here.
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.path.dirname(
    os.path.abspath(__file__)
):
    sys.path.pop(0)

import argparse
import http.client
import json
import time
import xmlrpc.client
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

from tollgate_odoo_sim.addons.demo import DEMO_USERS
from tollgate_odoo_sim.testing import running_simulator

DB = "odoo"
ADMIN = next(user for user in DEMO_USERS if user.login == "admin")
KWARGS = {"fields": ["name", "email", "country_id"], "limit": 10}


def _post_json(
    conn: http.client.HTTPConnection, path: str, body: Any, headers: dict[str, str]
) -> tuple[int, dict[str, str], Any]:
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    data = json.loads(response.read())
    return response.status, dict(response.getheaders()), data


def _xmlrpc(url: str) -> Callable[[], Any]:
    # the standard transport keeps its HTTP/1.1 connection open between calls
    models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object")
    domain: list[Any] = [[]]

    def call() -> Any:
        return models.execute_kw(
            DB, 2, ADMIN.password, "res.partner", "search_read", domain, KWARGS
        )

    return call


def _jsonrpc(url: str) -> Callable[[], Any]:
    conn = http.client.HTTPConnection(urlsplit(url).netloc)
    args = [DB, 2, ADMIN.password, "res.partner", "search_read", [[]], KWARGS]
    body = {"jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"service": "object", "method": "execute_kw", "args": args}}  # fmt: skip

    def call() -> Any:
        return _post_json(conn, "/jsonrpc", body, {})[2]["result"]

    return call


def _call_kw(url: str) -> Callable[[], Any]:
    conn = http.client.HTTPConnection(urlsplit(url).netloc)
    login = {"jsonrpc": "2.0", "method": "call", "id": 1,
             "params": {"db": DB, "login": ADMIN.login, "password": ADMIN.password}}  # fmt: skip
    _, headers, _ = _post_json(conn, "/web/session/authenticate", login, {})
    cookie = {"Cookie": headers["set-cookie"].split(";")[0]}
    body = {"jsonrpc": "2.0", "method": "call", "id": 2,
            "params": {"model": "res.partner", "method": "search_read", "args": [[]],
                       "kwargs": KWARGS}}  # fmt: skip

    def call() -> Any:
        return _post_json(conn, "/web/dataset/call_kw/res.partner/search_read", body, cookie)[2][
            "result"
        ]

    return call


def _json2(url: str) -> Callable[[], Any]:
    conn = http.client.HTTPConnection(urlsplit(url).netloc)
    headers = {"Authorization": f"bearer {ADMIN.api_key}", "X-Odoo-Database": DB}
    body = {"domain": [], **KWARGS}

    def call() -> Any:
        status, _, data = _post_json(conn, "/json/2/res.partner/search_read", body, headers)
        assert status == 200, data
        return data

    return call


def measure(call: Callable[[], Any], seconds: float) -> float:
    for _ in range(20):
        rows = call()
    assert len(rows) == 10, f"expected 10 rows, got {len(rows)}"
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        call()
        done += 1
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per protocol")
    parser.add_argument("--url18", help="a running 18.0 simulator to measure")
    parser.add_argument("--url19", help="a running 19.0 simulator to measure")
    args = parser.parse_args()
    print(f"odoo-sim: 10-row res.partner search_read, sequential, {args.seconds:g}s per protocol")
    with ExitStack() as stack:
        url18 = args.url18 or stack.enter_context(running_simulator("18.0"))
        url19 = args.url19 or stack.enter_context(running_simulator("19.0"))
        cases = [
            ("XML-RPC  /xmlrpc/2/object (18.0)", _xmlrpc(url18)),
            ("JSON-RPC /jsonrpc (18.0)", _jsonrpc(url18)),
            ("web      /web/dataset/call_kw (18.0)", _call_kw(url18)),
            ("JSON-2   /json/2 (19.0)", _json2(url19)),
        ]
        for label, call in cases:
            print(f"  {label:<40} {measure(call, args.seconds):8.0f} calls/s")


if __name__ == "__main__":
    main()
