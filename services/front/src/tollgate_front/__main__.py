"""``tollgate-front``: serve the MCP gateway over HTTP until SIGTERM/SIGINT."""

from __future__ import annotations

import uvicorn
from tollgate_common.logging import configure_logging
from tollgate_common.settings import load_settings
from tollgate_common.telemetry import configure_telemetry, shutdown_telemetry

from tollgate_front.config import Settings


def main() -> None:
    settings = load_settings(Settings, program="tollgate-front")
    # Imported after the settings are known good: a bad setting fails before the heavy imports.
    from tollgate_front.app import create_app

    configure_logging("front", settings.log_level)
    configure_telemetry("front")
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
