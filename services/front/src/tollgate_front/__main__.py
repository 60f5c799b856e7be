"""``tollgate-front``: serve the MCP gateway over HTTP until SIGTERM/SIGINT."""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn
from tollgate_common.logging import configure_logging
from tollgate_common.settings import load_settings
from tollgate_common.telemetry import configure_telemetry, shutdown_telemetry

from tollgate_front.config import Settings


def _exit(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def main() -> None:
    settings = load_settings(Settings, program="tollgate-front")
    # Imported after the settings are known good: a bad setting fails before the heavy imports.
    from tollgate_front.app import create_app

    configure_logging("front", settings.log_level)
    configure_telemetry("front")
    # uvicorn shuts down gracefully on SIGTERM and then re-raises it to the handler it found;
    # with the default one the process dies there and the spans still batched are lost.
    signal.signal(signal.SIGTERM, _exit)
    try:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
    finally:
        shutdown_telemetry()


if __name__ == "__main__":
    main()
