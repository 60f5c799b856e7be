"""``tollgate-odoo-sim``: serve a simulated Odoo 17/18/19 with demo data until interrupted."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from tollgate_odoo_sim.app import create_app
from tollgate_odoo_sim.exceptions import UserError
from tollgate_odoo_sim.faults import FaultConfig, FaultConfigError, Faults
from tollgate_odoo_sim.versions import SUPPORTED, parse_version


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535, got {value}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value}")
    return value


def _existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tollgate-odoo-sim",
        description="Serve a simulated Odoo (XML-RPC, JSON-RPC, web client endpoints, JSON-2 "
        "on 19.0) with in-memory demo data. State is reset on every start.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8069, help="port to listen on")
    parser.add_argument(
        "--odoo-version", choices=sorted(SUPPORTED), default="18.0", help="Odoo series to mimic"
    )
    parser.add_argument("--database", default="odoo", help="name of the one database")
    parser.add_argument(
        "--seed",
        type=_existing_file,
        action="append",
        default=[],
        metavar="FILE",
        help="YAML file of extra records to load (repeatable)",
    )
    parser.add_argument(
        "--scale",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="generate N extra partners, orders and invoices",
    )
    faults = parser.add_argument_group("fault injection (also settable at PUT /_sim/faults)")
    faults.add_argument("--latency-ms", type=_non_negative_int, default=0)
    faults.add_argument(
        "--slow-ms",
        type=_non_negative_int,
        default=0,
        help="hold each response body back this long",
    )
    faults.add_argument(
        "--error-rate", type=_rate, default=0.0, help="share of requests answered with 502 (0..1)"
    )
    faults.add_argument(
        "--error-every",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="answer every Nth request with 502",
    )
    faults.add_argument("--down", action="store_true", help="answer every request with 502")
    faults.add_argument(
        "--fault-seed", type=_non_negative_int, default=0, help="seed of the random error draws"
    )
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        fault_config = FaultConfig(
            latency_ms=args.latency_ms,
            slow_ms=args.slow_ms,
            error_rate=args.error_rate,
            error_every=args.error_every,
            down=args.down,
            seed=args.fault_seed,
        )
    except FaultConfigError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from tollgate_odoo_sim.service import OdooService

    try:
        service = OdooService.create(
            parse_version(args.odoo_version),
            database=args.database,
            seed_files=args.seed,
            scale=args.scale,
        )
    except (OSError, ValueError, UserError) as exc:
        print(f"tollgate-odoo-sim: cannot build the database: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    # The database lives for the whole process: keep the garbage collector from rescanning it
    # (with --scale, hundreds of thousands of rows) during requests.
    gc.collect()
    gc.freeze()
    app = create_app(service, Faults(fault_config))
    logging.getLogger("tollgate_odoo_sim").info(
        "simulating Odoo %s, database %r, faults %s",
        args.odoo_version,
        args.database,
        fault_config,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, lifespan="off")


if __name__ == "__main__":
    main()
