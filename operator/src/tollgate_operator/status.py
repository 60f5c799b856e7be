"""A tenant's status: Ready, Progressing and Degraded conditions from what was observed.

Pure: the caller passes the clock. A condition keeps its ``lastTransitionTime`` while its status
does not change, as Kubernetes' own controllers do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["True", "False", "Unknown"]


@dataclass(frozen=True)
class Observation:
    """What the operator knows about a tenant right now."""

    generation: int
    spec_problem: str | None = None  # the field at fault and why, when the spec is invalid
    apply_problem: str | None = None  # why children could not be applied
    desired_replicas: int = 1
    available_replicas: int = 0
    updated_replicas: int = 0
    deployment_generation_seen: bool = False  # the Deployment's controller saw its latest spec


def worker_observation(deployment: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fields of `Observation` a worker Deployment's status gives."""
    if deployment is None:
        return {"available_replicas": 0, "updated_replicas": 0, "deployment_generation_seen": False}
    status = deployment.get("status") or {}
    generation = (deployment.get("metadata") or {}).get("generation")
    observed = status.get("observedGeneration")
    return {
        "available_replicas": int(status.get("availableReplicas") or 0),
        "updated_replicas": int(status.get("updatedReplicas") or 0),
        "deployment_generation_seen": generation is None or observed == generation,
    }


def _condition(
    kind: str, status: Status, reason: str, message: str, generation: int
) -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
    }


def conditions_for(observation: Observation) -> list[dict[str, Any]]:
    """Ready, Progressing and Degraded for ``observation`` (without transition times)."""
    gen = observation.generation
    if observation.spec_problem is not None:
        message = f"The spec is invalid: {observation.spec_problem}"
        return [
            _condition("Ready", "False", "InvalidSpec", message, gen),
            _condition("Progressing", "False", "InvalidSpec", "Waiting for a valid spec.", gen),
            _condition("Degraded", "True", "InvalidSpec", message, gen),
        ]
    if observation.apply_problem is not None:
        message = f"Cannot apply the tenant's resources: {observation.apply_problem}"
        return [
            _condition("Ready", "False", "ApplyFailed", message, gen),
            _condition("Progressing", "True", "Retrying", "Retrying shortly.", gen),
            _condition("Degraded", "True", "ApplyFailed", message, gen),
        ]
    want = observation.desired_replicas
    available = observation.available_replicas
    rolled = observation.deployment_generation_seen and observation.updated_replicas >= want
    healthy = _condition("Degraded", "False", "AsExpected", "No problem observed.", gen)
    if available >= 1 and rolled and available >= want:
        text = f"{available}/{want} worker replicas available."
        return [
            _condition("Ready", "True", "WorkerAvailable", text, gen),
            _condition("Progressing", "False", "RolloutComplete", text, gen),
            healthy,
        ]
    if available >= 1:
        text = f"Rolling out the worker: {available}/{want} available."
        return [
            _condition("Ready", "True", "WorkerAvailable", text, gen),
            _condition("Progressing", "True", "RollingOut", text, gen),
            healthy,
        ]
    text = f"Waiting for the worker: 0/{want} replicas available."
    return [
        _condition("Ready", "False", "WorkerUnavailable", text, gen),
        _condition("Progressing", "True", "WorkerStarting", text, gen),
        healthy,
    ]


def merge_conditions(
    previous: Sequence[Mapping[str, Any]], fresh: Sequence[dict[str, Any]], now: str
) -> list[dict[str, Any]]:
    """``fresh`` with transition times carried over from ``previous`` where status is unchanged."""
    before = {c.get("type"): c for c in previous}
    merged = []
    for condition in fresh:
        old = before.get(condition["type"])
        unchanged = old is not None and old.get("status") == condition["status"]
        since = old.get("lastTransitionTime") if unchanged and old is not None else None
        merged.append({**condition, "lastTransitionTime": since or now})
    return merged


def condition(conditions: Sequence[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions if c.get("type") == kind), None)
