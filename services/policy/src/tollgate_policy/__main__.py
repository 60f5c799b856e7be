"""``tollgate-policy``: decide and audit tool calls over gRPC (settings ``TOLLGATE_POLICY_*``)."""

from __future__ import annotations

from tollgate_common import event_loop
from tollgate_common.grpc_server import BindError
from tollgate_common.logging import configure_logging
from tollgate_common.settings import load_settings
from tollgate_common.telemetry import configure_telemetry, shutdown_telemetry

from tollgate_policy.config import Settings
from tollgate_policy.server import serve

PROGRAM = "tollgate-policy"


def main() -> None:
    settings = load_settings(Settings, program=PROGRAM)
    configure_logging("policy", settings.log_level)
    configure_telemetry("policy")
    try:
        event_loop.run(serve(settings))
    except BindError as error:
        raise SystemExit(f"{PROGRAM}: {error}") from None
    finally:
        shutdown_telemetry()


if __name__ == "__main__":
    main()
