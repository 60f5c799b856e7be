"""Where services find tenants: a `TenantRegistry` kept fresh from a `TenantSource`.

`DirectorySource` reads a directory of compiled configs (``*.json``) and/or ``OdooTenant``
resources (``*.yaml``/``*.yml``, compiled on load); `KubernetesSource` (tenants/kubernetes.py)
watches the operator's labelled ConfigMaps. Polling is cheap: a file is parsed again only when its
mtime or size changed.

A file that becomes invalid does not take its tenant down: the last good config stays in service
(as in the cluster, where the operator only publishes valid configs) and the problem is logged and
reported in `TenantRegistry.errors` until the file is fixed. A removed file removes its tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from pydantic import ValidationError

from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants.config import CONFIG_KIND, TenantConfig, compile_tenant
from tollgate_common.tenants.resource import (
    TenantSpecError,
    load_yaml_documents,
    parse_tenant_resource,
    problems_from_validation_error,
)
from tollgate_common.tenants.spec import KIND

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TenantSnapshot:
    """What a source holds right now.

    ``errors`` maps an origin (file or object name) to its problem; ``origins`` maps each tenant to
    the origin it came from, so a registry can keep a tenant whose origin just broke.
    """

    tenants: Mapping[str, TenantConfig]
    errors: Mapping[str, str] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)


class TenantSource(Protocol):
    async def snapshot(self) -> TenantSnapshot:
        """The current tenants; cheap when nothing changed (called on every poll)."""
        ...


@runtime_checkable
class ClosableSource(TenantSource, Protocol):
    async def aclose(self) -> None:
        """Stop background work (a watch); `TenantRegistry.stop` calls it when present."""
        ...


@dataclass(frozen=True)
class CompileOptions:
    """What compiling a spec needs besides the spec (see `compile_tenant`)."""

    endpoint_base: str
    worker_address: Callable[[str], str]
    worker_public_key: Callable[[str], str] = lambda _name: ""


def parse_tenant_documents(
    text: str, *, source: str, options: CompileOptions | None
) -> list[TenantConfig]:
    """The tenants of one file or ConfigMap key: JSON when ``source`` ends in .json, else YAML.

    Raises `TenantSpecError` naming ``source``; an ``OdooTenant`` resource needs ``options``.
    """
    if source.endswith(".json"):
        try:
            documents = [json.loads(text)]
        except json.JSONDecodeError as error:
            raise TenantSpecError(source, [("", f"invalid JSON: {error}")]) from None
    else:
        documents = load_yaml_documents(text, source=source)
    configs = []
    for document in documents:
        kind = document.get("kind") if isinstance(document, Mapping) else None
        if kind == CONFIG_KIND:
            try:
                configs.append(TenantConfig.model_validate(document))
            except ValidationError as error:
                raise TenantSpecError(source, problems_from_validation_error(error)) from None
        elif kind == KIND:
            configs.append(_compile(document, source, options))
        else:
            raise TenantSpecError(
                source, [("kind", f"must be {KIND} or {CONFIG_KIND}, got {kind!r}")]
            )
    return configs


def _compile(
    document: Mapping[str, object], source: str, options: CompileOptions | None
) -> TenantConfig:
    if options is None:
        raise TenantSpecError(
            source, [("", f"{KIND} resources need compile options; this source has none")]
        )
    name, spec = parse_tenant_resource(document, source=source)
    return compile_tenant(
        name,
        spec,
        endpoint_base=options.endpoint_base,
        worker_address=options.worker_address(name),
        worker_public_key=options.worker_public_key(name),
    )


def redefinition(name: str, origins: Mapping[str, str]) -> str | None:
    """The problem with defining tenant ``name`` again, or None when ``origins`` (tenant -> where
    it is defined) does not have it yet. The one duplicate-name rule of every tenant source and
    loader: the first definition stays, a later one is the later origin's problem."""
    first = origins.get(name)
    return None if first is None else f"tenant {name!r} is already defined in {first}"


def collect_snapshot(
    parsed: Iterable[tuple[str, Sequence[TenantConfig], str | None]],
) -> TenantSnapshot:
    """One snapshot from each origin's (name, configs, problem), in order (see `redefinition`)."""
    tenants: dict[str, TenantConfig] = {}
    errors: dict[str, str] = {}
    origins: dict[str, str] = {}
    for origin, configs, error in parsed:
        if error is not None:
            errors[origin] = error
        for config in configs:
            problem = redefinition(config.name, origins)
            if problem is not None:
                errors[origin] = f"{origin}: {problem}"
                continue
            tenants[config.name] = config
            origins[config.name] = origin
    return TenantSnapshot(tenants, errors, origins)


@dataclass
class _CachedFile:
    stamp: tuple[int, int]
    configs: list[TenantConfig]
    error: str | None


class DirectorySource:
    """Tenants from the files of one directory (not recursive; hidden files ignored)."""

    SUFFIXES = (".json", ".yaml", ".yml")

    def __init__(self, directory: str | os.PathLike[str], options: CompileOptions | None = None):
        self.directory = Path(directory)
        self.options = options
        self._cache: dict[Path, _CachedFile] = {}

    def _parse(self, path: Path) -> list[TenantConfig]:
        return parse_tenant_documents(
            path.read_text(encoding="utf-8"), source=path.name, options=self.options
        )

    def _read(self, path: Path, stamp: tuple[int, int]) -> _CachedFile:
        try:
            return _CachedFile(stamp, self._parse(path), None)
        except TenantSpecError as error:
            return _CachedFile(stamp, [], str(error))
        except (OSError, UnicodeDecodeError) as error:
            return _CachedFile(stamp, [], f"{path.name}: cannot read: {error}")

    def scan(self) -> TenantSnapshot:
        """Synchronous scan; re-parses only files whose mtime or size changed."""
        seen: dict[Path, _CachedFile] = {}
        try:
            entries = sorted(os.scandir(self.directory), key=lambda e: e.name)
        except OSError as error:
            return TenantSnapshot({}, {str(self.directory): f"cannot read directory: {error}"})
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or path.suffix not in self.SUFFIXES:
                continue
            try:
                stat = entry.stat()
            except OSError:
                continue  # removed between listing and stat
            if not entry.is_file():
                continue
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            seen[path] = (
                cached if cached is not None and cached.stamp == stamp else self._read(path, stamp)
            )
        self._cache = seen
        return collect_snapshot(
            (path.name, cached.configs, cached.error) for path, cached in seen.items()
        )

    async def snapshot(self) -> TenantSnapshot:
        return self.scan()


class StaticSource:
    """A fixed set of tenants (tests, single-tenant tools)."""

    def __init__(self, *configs: TenantConfig) -> None:
        self._snapshot = TenantSnapshot({config.name: config for config in configs})

    async def snapshot(self) -> TenantSnapshot:
        return self._snapshot


ChangeListener = Callable[[Mapping[str, TenantConfig]], None]


class TenantRegistry:
    """The tenants a service knows, refreshed from its source every ``poll_interval`` seconds."""

    def __init__(self, source: TenantSource, *, poll_interval: float = 2.0) -> None:
        self.source = source
        self.poll_interval = poll_interval
        self._tenants: dict[str, TenantConfig] = {}
        self._errors: dict[str, str] = {}
        self._origins: dict[str, str] = {}
        self._listeners: list[ChangeListener] = []
        self._task: asyncio.Task[None] | None = None

    def get(self, name: str) -> TenantConfig | None:
        return self._tenants.get(name)

    def require(self, name: str) -> TenantConfig:
        """The tenant's config, or a NOT_FOUND `TollgateError` naming it."""
        config = self._tenants.get(name)
        if config is None:
            raise TollgateError(
                ErrorCode.NOT_FOUND,
                f"Unknown tenant {name!r}.",
                hint="Check the tenant name in the MCP URL (/t/<tenant>/mcp).",
                field="tenant",
            )
        return config

    def names(self) -> list[str]:
        return sorted(self._tenants)

    @property
    def tenants(self) -> Mapping[str, TenantConfig]:
        return dict(self._tenants)

    @property
    def errors(self) -> Mapping[str, str]:
        """Problems of the last refresh, by origin (file name or object name)."""
        return dict(self._errors)

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener`` with all tenants whenever any is added, changed or removed."""
        self._listeners.append(listener)

    async def refresh(self) -> bool:
        """Reload from the source now; True when the set of configs changed."""
        snapshot = await self.source.snapshot()
        tenants = dict(snapshot.tenants)
        origins = dict(snapshot.origins)
        for where, message in snapshot.errors.items():
            if self._errors.get(where) != message:
                logger.error(
                    "invalid tenant definition", extra={"origin": where, "problem": message}
                )
        # Keep the last good config of a tenant whose definition just became invalid.
        for name, config in self._tenants.items():
            previous_origin = self._origins.get(name)
            if name not in tenants and previous_origin in snapshot.errors:
                tenants[name] = config
                origins[name] = str(previous_origin)
        self._origins = origins
        self._errors = dict(snapshot.errors)
        changed = {n: c.revision for n, c in tenants.items()} != {
            n: c.revision for n, c in self._tenants.items()
        }
        self._tenants = tenants
        if changed:
            logger.info("tenants loaded", extra={"tenants": sorted(tenants)})
            for listener in self._listeners:
                listener(self.tenants)
        return changed

    async def start(self) -> None:
        """Load once (so the service starts with its tenants) and keep polling in the background."""
        await self.refresh()
        if self._task is None:
            self._task = asyncio.create_task(self._poll(), name="tenant-registry-poll")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if isinstance(self.source, ClosableSource):
            await self.source.aclose()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.refresh()
            except Exception:
                logger.exception("tenant refresh failed; keeping the current tenants")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
