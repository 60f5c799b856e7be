"""kopf registrations only: each handler is thin and delegates to `handlers/`.

Run with ``tollgate-operator`` (see `__main__`) or ``kopf run -m tollgate_operator.main``.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf
from tollgate_common.settings import ConfigurationError, build_settings

from tollgate_operator.apply import apply
from tollgate_operator.build import MANAGED_BY, build_config_map
from tollgate_operator.config import Settings
from tollgate_operator.context import OperatorContext
from tollgate_operator.crd import GROUP, PLURAL, VERSION
from tollgate_operator.handlers.handle_delete_tenant import on_tenant_deleted
from tollgate_operator.handlers.handle_event_child import on_child_event
from tollgate_operator.handlers.handle_reconcile_tenant import on_tenant_changed
from tollgate_operator.kube import KubeClient

# A quiet tenant is re-checked this often: drift the watches missed, an expired previous key.
RESYNC_SECONDS = 300.0
CHILD_LABELS = {"app.kubernetes.io/managed-by": MANAGED_BY}
# kopf keeps its own bookkeeping under this prefix, apart from the tollgate.dev/* annotations
# users set (kopf's diff ignores annotations under its own prefix).
KOPF_PREFIX = "operator.tollgate.dev"


def _context(memo: kopf.Memo) -> OperatorContext:
    context: OperatorContext = memo["context"]
    return context


@kopf.on.startup()
async def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    settings.persistence.finalizer = f"{GROUP}/finalizer"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=KOPF_PREFIX)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=KOPF_PREFIX, key="last-handled-configuration"
    )
    settings.posting.level = logging.WARNING  # Events are posted explicitly, not per log line
    if "context" not in memo:
        try:
            operator_settings = memo.get("settings") or build_settings(Settings)
        except ConfigurationError as error:
            raise kopf.PermanentError(f"invalid settings: {error}") from None
        memo["context"] = OperatorContext(operator_settings, KubeClient(settings))
    await apply(_context(memo).client, build_config_map(_context(memo).settings))


@kopf.on.cleanup()
async def close(memo: kopf.Memo, **_: Any) -> None:
    if "context" in memo:
        await _context(memo).aclose()


@kopf.on.probe(id="tenantLocks")
def tenants_seen(memo: kopf.Memo, **_: Any) -> int:
    return len(_context(memo).locks) if "context" in memo else 0


@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL)
async def reconcile(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    await on_tenant_changed(_context(memo), body, logger)


@kopf.timer(GROUP, VERSION, PLURAL, interval=RESYNC_SECONDS, initial_delay=RESYNC_SECONDS)
async def resync(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    await on_tenant_changed(_context(memo), body, logger)


@kopf.on.delete(GROUP, VERSION, PLURAL)
async def deregister(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    await on_tenant_deleted(_context(memo), body, logger)


@kopf.on.event("apps", "v1", "deployments", labels=CHILD_LABELS)
@kopf.on.event("", "v1", "services", labels=CHILD_LABELS)
@kopf.on.event("", "v1", "secrets", labels=CHILD_LABELS)
@kopf.on.event("networking.k8s.io", "v1", "networkpolicies", labels=CHILD_LABELS)
@kopf.on.event("policy", "v1", "poddisruptionbudgets", labels=CHILD_LABELS)
async def child_changed(
    event: kopf.RawEvent, memo: kopf.Memo, logger: kopf.Logger, **_: Any
) -> None:
    await on_child_event(_context(memo), event, logger)
