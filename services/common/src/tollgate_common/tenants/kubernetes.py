"""Tenants from the operator's labelled ConfigMaps, listed and watched through the Kubernetes API.

Every data key of a selected ConfigMap is one document (``<tenant>.json`` as the operator writes
it; ``*.yaml`` is read as in `DirectorySource`). The source lists once, then watches from the
list's ``resourceVersion`` and resumes each watch from the last version it saw; when the API
server has compacted that version away (410 Gone) it lists again. A key that fails to parse is
reported under its origin (``<configmap>/<key>``), so the registry keeps that tenant's last good
config, exactly as for a broken file.

In a pod it authenticates with its service-account token (re-read for every request, since the
kubelet rotates it) and trusts the cluster CA; tests pass an API URL and a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import AsyncIterator, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from tollgate_common.tenants.config import TenantConfig
from tollgate_common.tenants.registry import (
    CompileOptions,
    TenantSnapshot,
    collect_snapshot,
    parse_tenant_documents,
)
from tollgate_common.tenants.resource import TenantSpecError

logger = logging.getLogger(__name__)

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
IN_CLUSTER_API = "https://kubernetes.default.svc"
DEFAULT_LABEL_SELECTOR = "tollgate.dev/tenant-configs=true"
# The API server ends a watch after this long; the source then resumes from its last version.
WATCH_SECONDS = 300
LIST_SECONDS = 10.0
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


class _Gone(Exception):
    """The watched resourceVersion is too old: list again."""


class _TokenFile(httpx.Auth):
    """The service-account token, read for each request (the kubelet rotates it)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.path.read_text(encoding="utf-8").strip()
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


_Parsed = tuple[list[TenantConfig], str | None]


class KubernetesSource:
    """Tenants from the ConfigMaps matching ``label_selector`` in ``namespace``."""

    def __init__(
        self,
        namespace: str,
        *,
        label_selector: str = DEFAULT_LABEL_SELECTOR,
        api_url: str = IN_CLUSTER_API,
        token: str | None = None,
        ca_file: str | Path | None = None,
        options: CompileOptions | None = None,
    ) -> None:
        self.namespace = namespace
        self.label_selector = label_selector
        self.options = options
        auth = _TokenFile(SERVICE_ACCOUNT_DIR / "token") if token is None else _Bearer(token)
        self._client = httpx.AsyncClient(
            base_url=api_url.rstrip("/"),
            auth=auth,
            verify=ssl.create_default_context(cafile=str(ca_file)) if ca_file else True,
            # A watch is quiet for long stretches; the server ends it after WATCH_SECONDS.
            timeout=httpx.Timeout(LIST_SECONDS, read=WATCH_SECONDS + 30.0),
        )
        self._maps: dict[str, dict[str, _Parsed]] = {}
        self._api_error: str | None = None
        self._first_list = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def in_cluster(
        cls,
        namespace: str = "",
        *,
        label_selector: str = DEFAULT_LABEL_SELECTOR,
        options: CompileOptions | None = None,
    ) -> KubernetesSource:
        """Through the pod's service account; an empty ``namespace`` means the pod's own."""
        if not namespace:
            namespace = (SERVICE_ACCOUNT_DIR / "namespace").read_text(encoding="utf-8").strip()
        return cls(
            namespace,
            label_selector=label_selector,
            ca_file=SERVICE_ACCOUNT_DIR / "ca.crt",
            options=options,
        )

    @property
    def _path(self) -> str:
        return f"/api/v1/namespaces/{self.namespace}/configmaps"

    async def snapshot(self) -> TenantSnapshot:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="tenant-configmap-watch")
        await self._first_list.wait()
        parsed: list[tuple[str, Sequence[TenantConfig], str | None]] = []
        if self._api_error is not None:
            parsed.append((f"configmaps in {self.namespace}", [], self._api_error))
        for map_name in sorted(self._maps):
            for key, (configs, error) in sorted(self._maps[map_name].items()):
                parsed.append((f"{map_name}/{key}", configs, error))
        return collect_snapshot(parsed)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._client.aclose()

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                version = await self._list()
                failures = 0
                while True:
                    version = await self._watch(version)
            except _Gone:
                logger.info("tenant config watch expired; listing again")
            except (httpx.HTTPError, ValueError) as error:
                # The last known tenants keep serving while the API server is unreachable.
                self._api_error = f"cannot read ConfigMaps: {error}"
                self._first_list.set()
                logger.warning("tenant config watch failed", extra={"problem": str(error)})
                await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
                failures += 1

    async def _list(self) -> str:
        response = await self._client.get(
            self._path, params={"labelSelector": self.label_selector}, timeout=LIST_SECONDS
        )
        response.raise_for_status()
        listing = response.json()
        self._maps = {
            item["metadata"]["name"]: self._parse(item) for item in listing.get("items") or []
        }
        self._api_error = None
        self._first_list.set()
        return str((listing.get("metadata") or {}).get("resourceVersion") or "")

    async def _watch(self, version: str) -> str:
        """Apply events until the server ends the watch; the version to resume from."""
        params = {
            "watch": "true",
            "labelSelector": self.label_selector,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(WATCH_SECONDS),
        }
        if version:
            params["resourceVersion"] = version
        async with self._client.stream("GET", self._path, params=params) as response:
            if response.status_code == 410:
                raise _Gone()
            response.raise_for_status()
            async for event in _events(response):
                version = self._apply(event) or version
        return version

    def _apply(self, event: Mapping[str, Any]) -> str | None:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise _Gone()
            raise ValueError(f"watch error: {obj.get('message') or obj}")
        meta = obj.get("metadata") or {}
        name = meta.get("name")
        if kind in ("ADDED", "MODIFIED") and name:
            self._maps[name] = self._parse(obj)
        elif kind == "DELETED" and name:
            self._maps.pop(name, None)
        version = meta.get("resourceVersion")
        return str(version) if version else None

    def _parse(self, config_map: Mapping[str, Any]) -> dict[str, _Parsed]:
        parsed: dict[str, _Parsed] = {}
        map_name = config_map["metadata"]["name"]
        for key, text in sorted((config_map.get("data") or {}).items()):
            if not key.endswith((".json", ".yaml", ".yml")):
                continue
            try:
                parsed[key] = (
                    parse_tenant_documents(text, source=f"{map_name}/{key}", options=self.options),
                    None,
                )
            except TenantSpecError as error:
                parsed[key] = ([], str(error))
        return parsed


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


async def _events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    async for line in response.aiter_lines():
        if line.strip():
            event = json.loads(line)
            if isinstance(event, dict):
                yield event
