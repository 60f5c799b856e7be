from __future__ import annotations

from tollgate_operator.status import (
    Observation,
    condition,
    conditions_for,
    merge_conditions,
    worker_observation,
)


def _states(observation: Observation) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in conditions_for(observation)}


def test_invalid_spec_is_degraded_and_names_the_field() -> None:
    found = conditions_for(Observation(3, spec_problem="spec.odoo.url: not an http(s) URL"))
    degraded = condition(found, "Degraded")
    assert degraded is not None
    assert degraded["status"] == "True"
    assert "spec.odoo.url" in degraded["message"]
    assert all(c["observedGeneration"] == 3 for c in found)
    assert _states(Observation(3, spec_problem="x"))["Ready"] == ("False", "InvalidSpec")


def test_ready_follows_the_worker_deployment() -> None:
    waiting = Observation(1, desired_replicas=2)
    assert _states(waiting)["Ready"] == ("False", "WorkerUnavailable")
    deployment = {
        "metadata": {"generation": 4},
        "status": {"observedGeneration": 4, "availableReplicas": 1, "updatedReplicas": 1},
    }
    partial = Observation(1, desired_replicas=2, **worker_observation(deployment))
    assert _states(partial)["Ready"] == ("True", "WorkerAvailable")
    assert _states(partial)["Progressing"] == ("True", "RollingOut")
    deployment["status"] = {"observedGeneration": 4, "availableReplicas": 2, "updatedReplicas": 2}
    done = Observation(1, desired_replicas=2, **worker_observation(deployment))
    assert _states(done)["Progressing"] == ("False", "RolloutComplete")
    assert _states(done)["Degraded"] == ("False", "AsExpected")


def test_apply_failure_is_degraded_and_progressing() -> None:
    states = _states(Observation(1, apply_problem="HTTP 403: forbidden"))
    assert states["Degraded"] == ("True", "ApplyFailed")
    assert states["Progressing"] == ("True", "Retrying")


def test_transition_time_moves_only_when_status_changes() -> None:
    first = merge_conditions([], conditions_for(Observation(1)), "t1")
    same = merge_conditions(first, conditions_for(Observation(2)), "t2")
    assert {c["lastTransitionTime"] for c in same} == {"t1"}
    ready = conditions_for(
        Observation(2, available_replicas=1, updated_replicas=1, deployment_generation_seen=True)
    )
    changed = merge_conditions(same, ready, "t3")
    times = {c["type"]: c["lastTransitionTime"] for c in changed}
    assert times == {"Ready": "t3", "Progressing": "t3", "Degraded": "t1"}
