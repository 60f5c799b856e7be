"""Command line entry point (filled in by the protocol layer)."""


def main() -> None:
    raise SystemExit("not yet wired")
