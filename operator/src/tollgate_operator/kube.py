"""A small Kubernetes REST client for the operator's children (kopf brings none of its own).

Plain GET/POST/merge-PATCH/DELETE on the core and apps APIs, so it works against any API server
(and against KMock in tests). It logs in the way kopf does — the pod's service account, else the
kubeconfig — and logs in again once when the server answers 401 (service-account tokens rotate).
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import kopf

Obj = dict[str, Any]

# kind -> (API path prefix, plural) for every kind the operator manages.
RESOURCES: Final[dict[str, tuple[str, str]]] = {
    "ConfigMap": ("/api/v1", "configmaps"),
    "Secret": ("/api/v1", "secrets"),
    "Service": ("/api/v1", "services"),
    "Deployment": ("/apis/apps/v1", "deployments"),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies"),
    "PodDisruptionBudget": ("/apis/policy/v1", "poddisruptionbudgets"),
    "OdooTenant": ("/apis/tollgate.dev/v1alpha1", "odootenants"),
}


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


def object_path(kind: str, namespace: str, name: str | None = None, sub: str = "") -> str:
    prefix, plural = RESOURCES[kind]
    path = f"{prefix}/namespaces/{namespace}/{plural}"
    if name is not None:
        path += f"/{name}"
    if sub:
        path += f"/{sub}"
    return path


def _write_secret_file(data: str | bytes) -> str:
    handle, path = tempfile.mkstemp(prefix="tollgate-operator-")
    with os.fdopen(handle, "wb") as file:
        file.write(data.encode() if isinstance(data, str) else data)
    return path


def _ssl_context(info: kopf.ConnectionInfo) -> ssl.SSLContext | bool:
    if not info.server.startswith("https://"):
        return False
    if info.insecure:
        return False
    context = ssl.create_default_context()
    if info.ca_path:
        context.load_verify_locations(cafile=os.fsdecode(info.ca_path))
    elif info.ca_data:
        data = info.ca_data.decode() if isinstance(info.ca_data, bytes) else info.ca_data
        context.load_verify_locations(cadata=data)
    cert = info.certificate_path or (
        _write_secret_file(info.certificate_data) if info.certificate_data else None
    )
    key = info.private_key_path or (
        _write_secret_file(info.private_key_data) if info.private_key_data else None
    )
    if cert:
        context.load_cert_chain(os.fsdecode(cert), os.fsdecode(key) if key else None)
    return context


def login(settings: kopf.OperatorSettings) -> kopf.ConnectionInfo:
    """Credentials as kopf finds them: the service account in a pod, else the kubeconfig."""
    info = kopf.login_with_service_account(settings=settings) or kopf.login_with_kubeconfig(
        settings=settings
    )
    if info is None:
        raise kopf.PermanentError("no Kubernetes credentials: no service account, no kubeconfig")
    return info


class KubeClient:
    def __init__(self, settings: kopf.OperatorSettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._info: kopf.ConnectionInfo | None = None

    async def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._info = login(self._settings)
            headers = {"Accept": "application/json"}
            if self._info.token:
                headers["Authorization"] = f"{self._info.scheme or 'Bearer'} {self._info.token}"
            self._session = aiohttp.ClientSession(
                base_url=self._info.server.rstrip("/"),
                headers=headers,
                connector=aiohttp.TCPConnector(ssl=_ssl_context(self._info), limit=20),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def request(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json"
    ) -> Obj:
        for attempt in (1, 2):
            session = await self._open()
            headers = {"Content-Type": content_type} if body is not None else {}
            async with session.request(method, path, json=body, headers=headers) as response:
                if response.status == 401 and attempt == 1:
                    await self.close()  # the token may have rotated: log in again, once
                    continue
                data: Any = await response.json(content_type=None) if response.content else {}
                if response.status >= 400:
                    message = data.get("message") if isinstance(data, Mapping) else None
                    raise ApiError(response.status, str(message or response.reason))
                return data if isinstance(data, dict) else {}
        raise AssertionError("unreachable")  # pragma: no cover

    async def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        try:
            return await self.request("GET", object_path(kind, namespace, name))
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    async def create(self, body: Mapping[str, Any]) -> Obj:
        meta = body["metadata"]
        return await self.request("POST", object_path(body["kind"], meta["namespace"]), body)

    async def merge_patch(
        self, kind: str, namespace: str, name: str, patch: Mapping[str, Any], sub: str = ""
    ) -> Obj:
        return await self.request(
            "PATCH",
            object_path(kind, namespace, name, sub),
            patch,
            content_type="application/merge-patch+json",
        )

    async def delete(self, kind: str, namespace: str, name: str) -> bool:
        """True when something was deleted; False when it was already gone."""
        try:
            await self.request("DELETE", object_path(kind, namespace, name))
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True
