"""``tollgate-operator``: check the settings, then run the kopf operator.

``tollgate-operator crd`` prints the OdooTenant CRD instead (the chart's copy is generated so).
"""

from __future__ import annotations

import sys

import kopf
from tollgate_common.settings import CONFIG_ERROR_EXIT_STATUS, ConfigurationError, build_settings

from tollgate_operator import crd
from tollgate_operator.config import Settings


def main() -> None:
    if sys.argv[1:] == ["crd"]:
        crd.main()
        return
    try:
        settings = build_settings(Settings)
    except ConfigurationError as error:
        print(f"tollgate-operator: {error}", file=sys.stderr)
        sys.exit(CONFIG_ERROR_EXIT_STATUS)
    import tollgate_operator.main  # noqa: F401  (registers the handlers)

    kopf.configure(verbose=settings.log_level == "DEBUG")
    kopf.run(
        clusterwide=not settings.namespaces,
        namespaces=list(settings.namespaces),
        standalone=not settings.peering,
        peering_name=settings.peering or None,
        liveness_endpoint=f"http://0.0.0.0:{settings.liveness_port}/healthz"
        if settings.liveness_port
        else None,
        memo=kopf.Memo(settings=settings),
    )


if __name__ == "__main__":
    main()
