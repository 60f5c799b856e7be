"""``tollgate-auth``: the OAuth endpoints over HTTP and the auth API over gRPC (settings from
``TOLLGATE_AUTH_*``)."""

from __future__ import annotations

import asyncio
import sys
from typing import NoReturn

from tollgate_common.grpc_server import BindError
from tollgate_common.logging import configure_logging
from tollgate_common.settings import CONFIG_ERROR_EXIT_STATUS, load_settings
from tollgate_common.telemetry import configure_telemetry, shutdown_telemetry

from tollgate_auth.config import Settings
from tollgate_auth.dev_keys import DevKeysError
from tollgate_auth.server import read_dev_keys, serve
from tollgate_auth.sso import load_sso_file

PROGRAM = "tollgate-auth"


def _config_error(variable: str, message: str) -> NoReturn:
    print(f"{PROGRAM}: invalid configuration: {variable}: {message}", file=sys.stderr)
    raise SystemExit(CONFIG_ERROR_EXIT_STATUS)


def main() -> None:
    settings = load_settings(Settings, program=PROGRAM)
    try:
        dev_keys = read_dev_keys(settings)
    except DevKeysError as error:
        _config_error("TOLLGATE_AUTH_DEV_KEYS_FILE", str(error))
    if settings.sso_file is not None:
        try:
            load_sso_file(settings.sso_file)
        except ValueError as error:
            _config_error("TOLLGATE_AUTH_SSO_FILE", str(error))
    configure_logging("auth", settings.log_level)
    configure_telemetry("auth")
    try:
        asyncio.run(serve(settings, dev_keys))
    except BindError as error:
        raise SystemExit(f"{PROGRAM}: {error}") from None
    finally:
        shutdown_telemetry()


if __name__ == "__main__":
    main()
