"""``tollgate-worker``: serve one tenant's Odoo over gRPC (settings from ``TOLLGATE_WORKER_*``)."""

from __future__ import annotations

from tollgate_common import event_loop
from tollgate_common.grpc_server import BindError
from tollgate_common.logging import configure_logging
from tollgate_common.settings import load_settings
from tollgate_common.telemetry import configure_telemetry, shutdown_telemetry

from tollgate_worker.config import Settings
from tollgate_worker.server import serve


def main() -> None:
    settings = load_settings(Settings, program="tollgate-worker")
    configure_logging("worker", settings.log_level)
    configure_telemetry("worker")
    try:
        event_loop.run(serve(settings))
    except BindError as error:
        raise SystemExit(f"tollgate-worker: {error}") from None
    finally:
        shutdown_telemetry()


if __name__ == "__main__":
    main()
