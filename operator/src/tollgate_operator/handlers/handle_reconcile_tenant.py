"""Reconcile one OdooTenant: its key Secret, worker Deployment, Service, NetworkPolicy, PDB and
compiled config, then its status.

Every path through here ends in a status: an invalid spec is reported as Degraded naming the
field (and nothing is changed, so the last good config keeps serving); an API failure is
reported as Degraded/ApplyFailed and retried; otherwise Ready follows the worker Deployment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import kopf
from tollgate_common.tenants import (
    TenantConfig,
    TenantSpec,
    TenantSpecError,
    parse_tenant_resource,
)
from tollgate_common.tenants.spec import OdooSpec

from tollgate_operator import build
from tollgate_operator.apply import apply, is_subset
from tollgate_operator.context import OperatorContext
from tollgate_operator.keys import ROTATE_REQUEST_ANNOTATION, KeyRing, plan_ring, read_ring
from tollgate_operator.kube import ApiError
from tollgate_operator.odoo_version import probe_in_background
from tollgate_operator.status import (
    Observation,
    condition,
    conditions_for,
    merge_conditions,
    worker_observation,
)


@dataclass(frozen=True)
class Outcome:
    status: dict[str, Any]
    retry: str | None = None  # why the reconcile should be retried soon
    odoo: OdooSpec | None = None  # the tenant's Odoo, once its children are applied


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(tenant: Mapping[str, Any], kind: str, reason: str, message: str) -> None:
    """A Kubernetes Event on the tenant (kopf posts it in the background)."""
    body = tenant if isinstance(tenant, kopf.Body) else kopf.Body(cast(kopf.RawBody, dict(tenant)))
    kopf.event(body, type=kind, reason=reason, message=message)


def _status(
    body: Mapping[str, Any], observation: Observation, now: datetime, **extra: Any
) -> dict[str, Any]:
    previous = (body.get("status") or {}).get("conditions") or []
    conditions = merge_conditions(previous, conditions_for(observation), _timestamp(now))
    return {"observedGeneration": observation.generation, "conditions": conditions, **extra}


async def shared_config_map(ctx: OperatorContext) -> dict[str, Any] | None:
    settings = ctx.settings
    return await ctx.client.get(
        "ConfigMap", settings.release_namespace, settings.tenants_config_map
    )


def registered_owner(config_map: Mapping[str, Any] | None, name: str) -> str | None:
    """The namespace that registered tenant ``name`` in the shared config map, if any."""
    annotations = ((config_map or {}).get("metadata") or {}).get("annotations") or {}
    owner = annotations.get(build.OWNER_ANNOTATION_PREFIX + name)
    return str(owner) if owner else None


async def _key_ring(ctx: OperatorContext, tenant: Mapping[str, Any], now: datetime) -> KeyRing:
    meta = tenant["metadata"]
    secret_name = build.child_name(meta["name"], "keys")
    secret = await ctx.client.get("Secret", meta["namespace"], secret_name)
    existing = None
    if secret is not None:
        existing = read_ring(secret.get("data") or {}, secret["metadata"].get("annotations") or {})
    rotation = (meta.get("annotations") or {}).get(ROTATE_REQUEST_ANNOTATION, "")
    grace = timedelta(hours=ctx.settings.key_grace_hours)
    return plan_ring(existing, rotation=rotation, now=now, grace=grace)


async def register_config(
    ctx: OperatorContext,
    name: str,
    namespace: str,
    config: TenantConfig | None,
    current: Mapping[str, Any] | None,
) -> None:
    """Add (or with None remove) the tenant's compiled config in the shared config map."""
    settings = ctx.settings
    patch = build.config_entry_patch(name, namespace, config)
    if current is not None and is_subset(patch, {"data": {}, **current}):
        return  # already registered exactly so
    try:
        await ctx.client.merge_patch(
            "ConfigMap", settings.release_namespace, settings.tenants_config_map, patch
        )
    except ApiError as error:
        if error.status != 404 or config is None:
            raise
        # The shared map was deleted under us: recreate it, then register.
        await apply(ctx.client, build.build_config_map(settings))
        await ctx.client.merge_patch(
            "ConfigMap", settings.release_namespace, settings.tenants_config_map, patch
        )


async def _apply_children(
    ctx: OperatorContext,
    tenant: Mapping[str, Any],
    spec: TenantSpec,
    config_map: Mapping[str, Any] | None,
    now: datetime,
    logger: logging.Logger | logging.LoggerAdapter[Any],
) -> tuple[KeyRing, TenantConfig, dict[str, Any]]:
    """Apply every child; returns the key ring, the compiled config and the live Deployment."""
    settings = ctx.settings
    meta = tenant["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    ring = await _key_ring(ctx, tenant, now)
    config = build.compile_config(settings, name, namespace, spec, ring)
    desired = [
        build.build_key_secret(settings, tenant, ring),
        build.build_service(settings, tenant),
        build.build_network_policy(settings, tenant, spec),
        build.build_deployment(settings, tenant, spec, ring, config.revision),
    ]
    pdb = build.build_pdb(settings, tenant, spec)
    if pdb is not None:
        desired.append(pdb)
    else:
        if await ctx.delete("PodDisruptionBudget", namespace, build.child_name(name)):
            logger.info("removed the worker PodDisruptionBudget (one replica)")
    deployment: dict[str, Any] = {}
    for obj in desired:
        outcome, live = await apply(ctx.client, obj)
        ctx.remember(live)
        if obj["kind"] == "Deployment":
            deployment = live
        if outcome != "unchanged":
            # Events and logs name the object, never its contents (the Secret holds keys).
            message = f"{outcome} {obj['kind']} {obj['metadata']['name']}"
            _event(tenant, "Normal", outcome.capitalize(), message)
            logger.info(message)
    await register_config(ctx, name, namespace, config, config_map)
    return ring, config, deployment


async def reconcile_tenant(
    ctx: OperatorContext,
    tenant: Mapping[str, Any],
    *,
    logger: logging.Logger | logging.LoggerAdapter[Any],
    now: datetime | None = None,
) -> Outcome:
    """Bring the tenant's children to their desired state and write its status.

    Both happen under the tenant's lock, so status writes land in the order their observations
    were made (a reconcile and a worker's availability report never overwrite each other).
    """
    meta = tenant["metadata"]
    async with ctx.lock(meta["namespace"], meta["name"]):
        outcome = await _reconcile(ctx, tenant, now or datetime.now(UTC), logger)
        await _write_status(ctx, tenant, outcome.status)
    _probe_version(ctx, tenant, outcome)
    return outcome


def _probe_version(ctx: OperatorContext, tenant: Mapping[str, Any], outcome: Outcome) -> None:
    """Ask the tenant's Odoo for its version in the background, once its children are applied.

    Every reconcile asks again (at the latest the periodic resync), so the status follows a
    move to another Odoo or an upgrade of it; a probe already running is not doubled.
    """
    if outcome.odoo is not None:
        meta = tenant["metadata"]
        probe_in_background(ctx, meta["namespace"], meta["name"], outcome.odoo)


async def _write_status(
    ctx: OperatorContext, tenant: Mapping[str, Any], status: Mapping[str, Any]
) -> None:
    if status_changed(tenant, status):
        meta = tenant["metadata"]
        await ctx.client.merge_patch(
            "OdooTenant", meta["namespace"], meta["name"], {"status": status}, sub="status"
        )


async def _reconcile(
    ctx: OperatorContext,
    tenant: Mapping[str, Any],
    now: datetime,
    logger: logging.Logger | logging.LoggerAdapter[Any],
) -> Outcome:
    meta = tenant["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    generation = int(meta.get("generation") or 0)
    try:
        _, spec = parse_tenant_resource(tenant)
        config_map = await shared_config_map(ctx)
        owner = registered_owner(config_map, name)
        if owner not in (None, namespace):
            raise TenantSpecError(
                "",
                [("metadata.name", f"tenant {name!r} already exists in namespace {owner!r}")],
            )
    except TenantSpecError as error:
        problem = error.listed
        _event(tenant, "Warning", "InvalidSpec", problem)
        return Outcome(_status(tenant, Observation(generation, spec_problem=problem), now))
    try:
        ring, config, deployment = await _apply_children(ctx, tenant, spec, config_map, now, logger)
    except ApiError as error:
        problem = str(error)
        _event(tenant, "Warning", "ApplyFailed", problem)
        observation = Observation(generation, apply_problem=problem)
        return Outcome(_status(tenant, observation, now), retry=problem)
    observation = Observation(
        generation,
        desired_replicas=spec.worker.replicas,
        **worker_observation(deployment),
    )
    status = _status(
        tenant,
        observation,
        now,
        endpoint=config.endpoint,
        configRevision=config.revision,
        workerPublicKeyId=ring.key_id(),
    )
    return Outcome(status, odoo=spec.odoo)


def status_changed(tenant: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    current = tenant.get("status") or {}
    return any(current.get(key) != value for key, value in status.items())


async def on_tenant_changed(
    ctx: OperatorContext,
    body: Mapping[str, Any],
    logger: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    """create/update/resume/timer: reconcile; an API failure is retried by kopf."""
    outcome = await reconcile_tenant(ctx, body, logger=logger)
    if outcome.retry is not None:
        raise kopf.TemporaryError(outcome.retry, delay=10)


async def refresh_worker_status(
    ctx: OperatorContext, namespace: str, name: str, deployment: Mapping[str, Any]
) -> bool:
    """Only the worker's availability moved: recompute the conditions, touch nothing else.

    The status keeps the generation the operator last reconciled (a spec change in flight is
    reported by its own reconcile). False when this is not enough and a reconcile is needed.
    """
    async with ctx.lock(namespace, name):
        tenant = await ctx.client.get("OdooTenant", namespace, name)
        if tenant is None or tenant["metadata"].get("deletionTimestamp"):
            return True  # gone or going: its delete handler cleans up
        current = tenant.get("status") or {}
        generation = current.get("observedGeneration")
        degraded = condition(current.get("conditions") or [], "Degraded")
        if generation is None or (degraded is not None and degraded.get("status") == "True"):
            return False
        try:
            _, spec = parse_tenant_resource(tenant)
        except TenantSpecError:
            return False
        observation = Observation(
            int(generation),
            desired_replicas=spec.worker.replicas,
            **worker_observation(deployment),
        )
        status = _status(tenant, observation, datetime.now(UTC))
        await _write_status(ctx, tenant, status)
    return True
