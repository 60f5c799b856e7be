"""A KMock Kubernetes API for running the operator for real, with kmock 0.8's gaps covered.

For tests and bench/operator.py (kmock is a development dependency, imported only here).

KMock's emulator stores objects and streams watch events, but (0.8):
- it never sets ``metadata.resourceVersion``, ``uid``, ``creationTimestamp`` or ``generation``
  (kopf's JSON patches test ``resourceVersion``; owner references need ``uid``; conditions carry
  ``observedGeneration``) — `StampingEmulator` stamps them as an API server does;
- it parses ``/api/v1/namespaces[/name]`` as a namespace with no resource — `fixed_parse_path`
  reads it as the ``namespaces`` resource;
- it has no server-side apply — the operator only uses create, merge-patch and delete, which work
  on any API server, so nothing is needed here;
- a JSON patch whose ``test`` fails gets HTTP 500 instead of the API server's 422 (kopf retries
  the same stale patch instead of re-reading the object) — answered with 422 here;
- a watch replays every existing object even when resumed from a list's ``resourceVersion``, and
  subscribes to the event bus only after that replay, so kopf sees stale copies after its own
  patches and may miss the change that followed (it then waits on a stale object) — lists carry
  a real ``resourceVersion`` here, a watch from it replays only objects changed since, and the
  bus is marked in the same locked step as the snapshot;
- every request is matched by filtering the whole request history (quadratic over a long run) —
  only the recent history is kept;
- ``metadata.generateName`` is ignored (kopf names its Events so) — a name is generated;
- a patch of the ``status`` subresource may change anything, and a patch of the object may change
  the status — the emulator keeps each to its own part, as the API server does for resources with
  a status subresource.
"""

from __future__ import annotations

import copy
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import jsonpatch
import kmock
import yaml
from kmock._internal import dicts, parsing

STATUS_SUBRESOURCE = {"odootenants", "deployments"}

RESOURCES: dict[str, kmock.ResourceInfo] = {
    "tollgate.dev/v1alpha1/odootenants": kmock.ResourceInfo(
        kind="OdooTenant",
        singular="odootenant",
        namespaced=True,
        shortnames={"ot"},
        subresources={"status"},
        verbs={"list", "watch", "get", "create", "patch", "delete"},
    ),
    "apps/v1/deployments": kmock.ResourceInfo(
        kind="Deployment", namespaced=True, subresources={"status"}, verbs={"list", "watch"}
    ),
    "v1/services": kmock.ResourceInfo(kind="Service", namespaced=True, verbs={"list", "watch"}),
    "v1/secrets": kmock.ResourceInfo(kind="Secret", namespaced=True, verbs={"list", "watch"}),
    "v1/configmaps": kmock.ResourceInfo(
        kind="ConfigMap",
        namespaced=True,
        verbs={"get", "list", "watch", "create", "patch", "delete"},
    ),
    "v1/events": kmock.ResourceInfo(kind="Event", namespaced=True, verbs={"create"}),
    "v1/namespaces": kmock.ResourceInfo(kind="Namespace", namespaced=False, verbs={"list"}),
    "networking.k8s.io/v1/networkpolicies": kmock.ResourceInfo(
        kind="NetworkPolicy", namespaced=True, verbs={"list", "watch"}
    ),
    "policy/v1/poddisruptionbudgets": kmock.ResourceInfo(
        kind="PodDisruptionBudget", namespaced=True, verbs={"list", "watch"}
    ),
}

_original_parse_path = parsing.parse_path


def fixed_parse_path(path: str) -> parsing.ParsedPath:
    parts = path.strip("/").split("/")
    if parts[:3] == ["api", "v1", "namespaces"] and len(parts) <= 4:
        name = parts[3] if len(parts) == 4 else None
        return parsing.ParsedPath("", "v1", "namespaces", None, name, None)
    return _original_parse_path(path)


@contextmanager
def namespaces_parsed() -> Iterator[None]:
    parsing.parse_path = fixed_parse_path
    try:
        yield
    finally:
        parsing.parse_path = _original_parse_path


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.define(kw_only=True)
class StampingEmulator(kmock.KubernetesEmulator):
    _versions: Iterator[int] = attrs.field(factory=lambda: itertools.count(1), init=False)
    _last: int = attrs.field(default=0, init=False)

    # KMock matches each request against its reactions by filtering the whole request history,
    # which makes every request slower than the last; only the recent history is kept here.
    history: int = attrs.field(default=10)
    served: int = attrs.field(default=0, init=False)  # requests served (the history is cut)

    async def _handle(self, request: kmock.Request) -> Any:
        self.served += 1
        if len(self._requests) > 2 * self.history:
            del self._requests[: -self.history]
            for payload in self._payloads:
                del payload._requests[: -self.history]
        if request.resource is not None:
            self._stamp(request)
        return await super()._handle(request)

    # KMock finds an object by scanning all of them on every request; with the thousands of
    # objects of bench/operator.py that dominates. These look it up by its key instead.
    def _find(self, request: kmock.Request, namespace: str | None, name: str | None) -> Any:
        if request.resource is None or name is None:
            return None
        key = (request.resource, namespace, name)
        return self.objects[key] if key in self.objects else None  # noqa: SIM401 (no .get)

    async def _serve_fetch(self, request: kmock.Request) -> Any:
        obj = self._find(request, request.namespace, request.name)
        if obj is None or obj.deleted:
            raise kmock.KubernetesObjectNotFoundError()
        return obj.raw

    async def _serve_create(self, request: kmock.Request) -> Any:
        meta = request.data.get("metadata", {})
        obj = self._find(request, request.namespace or meta.get("namespace"), meta.get("name"))
        assert obj is not None  # stored by _handle() before this runs
        return obj.raw

    async def _serve_update(self, request: kmock.Request) -> Any:
        obj = self._find(request, request.namespace, request.name)
        assert obj is not None
        return obj.last.raw

    async def _serve_delete(self, request: kmock.Request) -> Any:
        obj = self._find(request, request.namespace, request.name)
        assert obj is not None
        return obj.last.raw

    async def _serve_list(self, request: kmock.Request) -> Any:
        listing: Any = await super()._serve_list(request)
        listing["metadata"]["resourceVersion"] = str(self._last)
        return listing

    async def _serve_watch(self, request: kmock.Request) -> AsyncIterator[Any]:
        yield b""  # start the response so the client sees the stream open
        assert request.resource is not None
        since = request.params.get("resourceVersion", "")
        after = int(since) if since.isdigit() else -1
        async with self._lock:
            bus = self._buses[request.resource]
            mark = await bus.mark()
            existing = [
                obj.raw
                for (resource, namespace, name), obj in self.objects.items()
                if resource == request.resource
                and not obj.deleted
                and int(obj.raw["metadata"].get("resourceVersion") or 0) > after
                and self._selected(request, namespace, name)
            ]
        try:
            for raw in existing:
                yield {"type": "ADDED", "object": raw}
            async for event in mark:
                meta = event.get("object", {}).get("metadata", {})
                if self._selected(request, meta.get("namespace"), meta.get("name")):
                    yield event
        finally:
            await bus.unmark(mark)

    @staticmethod
    def _selected(request: kmock.Request, namespace: str | None, name: str | None) -> bool:
        return (request.namespace is None or namespace == request.namespace) and (
            request.name is None or name == request.name
        )

    def _live(self, request: kmock.Request) -> dict[str, Any] | None:
        if request.resource is None or request.name is None:
            return None
        key = (request.resource, request.namespace, request.name)
        if key not in self.objects or self.objects[key].deleted:
            return None
        raw: dict[str, Any] = self.objects[key].raw
        return raw

    def _stamp(self, request: kmock.Request) -> None:
        self._last = next(self._versions)
        version = str(self._last)
        plural = request.resource.plural if request.resource is not None else None
        if request.action == kmock.action.CREATE and isinstance(request.data, dict):
            meta = request.data.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{uuid.uuid4().hex[:5]}"
            meta.update(
                uid=str(uuid.uuid4()),
                creationTimestamp=_now(),
                resourceVersion=version,
                generation=1,
            )
            if request.namespace:
                meta["namespace"] = request.namespace
            request.data.pop("status", None) if plural in STATUS_SUBRESOURCE else None
        elif request.action == kmock.action.UPDATE:
            live = self._live(request)
            if live is None:
                return
            data = request.data
            status_only = request.subresource == "status"
            if isinstance(data, dict):
                for key in list(data):
                    keep = key in ("status", "metadata") if status_only else key != "status"
                    if not keep and (status_only or plural in STATUS_SUBRESOURCE):
                        del data[key]
                after = dicts.merge_patch_dict(copy.deepcopy(live), data)
            else:
                try:
                    after = jsonpatch.apply_patch(copy.deepcopy(live), data)
                except (jsonpatch.JsonPatchConflict, jsonpatch.JsonPatchTestFailed) as error:
                    # The API server answers a failed "test" (a stale resourceVersion) with 422.
                    raise kmock.KubernetesError(422, "Invalid", str(error)) from None
            generation = int(live.get("metadata", {}).get("generation") or 1)
            if not status_only and after.get("spec") != live.get("spec"):
                generation += 1
            stamps = {"resourceVersion": version, "generation": generation}
            if isinstance(data, dict):
                data.setdefault("metadata", {})
                if data["metadata"] is None:
                    data["metadata"] = {}
                data["metadata"].update(stamps)
            else:
                data.extend(
                    {"op": "add", "path": f"/metadata/{key}", "value": value}
                    for key, value in stamps.items()
                )


@asynccontextmanager
async def running_cluster() -> AsyncIterator[StampingEmulator]:
    with namespaces_parsed():
        async with StampingEmulator() as emulator, kmock.Server(emulator):
            for key, info in RESOURCES.items():
                emulator.resources[key] = info
            yield emulator


def write_kubeconfig(path: Path, server: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "kmock",
        "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "kmock"}}],
        "clusters": [{"name": "kmock", "cluster": {"server": server}}],
        "users": [{"name": "kmock", "user": {"token": "test-token"}}],
    }
    path.write_text(yaml.safe_dump(config))
    return path


API = {
    "OdooTenant": "/apis/tollgate.dev/v1alpha1/namespaces/{ns}/odootenants",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "Service": "/api/v1/namespaces/{ns}/services",
    "Secret": "/api/v1/namespaces/{ns}/secrets",
    "ConfigMap": "/api/v1/namespaces/{ns}/configmaps",
    "NetworkPolicy": "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
    "PodDisruptionBudget": "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
    "Event": "/api/v1/namespaces/{ns}/events",
}


class Api:
    """What a test does to the cluster, over HTTP like kubectl would."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def get(self, kind: str, ns: str, name: str) -> dict[str, Any] | None:
        async with self.session.get(f"{API[kind].format(ns=ns)}/{name}") as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            data: dict[str, Any] = await response.json()
            return data

    async def list(self, kind: str, ns: str) -> list[dict[str, Any]]:
        async with self.session.get(API[kind].format(ns=ns)) as response:
            response.raise_for_status()
            items: list[dict[str, Any]] = (await response.json())["items"]
            return items

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        url = API[body["kind"]].format(ns=body["metadata"]["namespace"])
        async with self.session.post(url, json=body) as response:
            response.raise_for_status()
            data: dict[str, Any] = await response.json()
            return data

    async def patch(
        self, kind: str, ns: str, name: str, patch: dict[str, Any], sub: str = ""
    ) -> None:
        url = f"{API[kind].format(ns=ns)}/{name}" + (f"/{sub}" if sub else "")
        headers = {"Content-Type": "application/merge-patch+json"}
        async with self.session.patch(url, data=json.dumps(patch), headers=headers) as response:
            response.raise_for_status()

    async def delete(self, kind: str, ns: str, name: str) -> None:
        async with self.session.delete(f"{API[kind].format(ns=ns)}/{name}") as response:
            response.raise_for_status()
