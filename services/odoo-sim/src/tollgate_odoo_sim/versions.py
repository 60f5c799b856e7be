"""What each simulated Odoo version reports about itself and which features it exposes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OdooVersion:
    series: str  # "17.0"
    major: int

    @property
    def server_version(self) -> str:
        return self.series

    @property
    def server_version_info(self) -> list[Any]:
        # Odoo's odoo.release.version_info for a final release: (17, 0, 0, 'final', 0, '')
        return [self.major, 0, 0, "final", 0, ""]

    @property
    def protocol_version(self) -> int:
        return 1

    @property
    def has_json2(self) -> bool:
        """The JSON-2 API (``/json/2/<model>/<method>``) exists from Odoo 19 on."""
        return self.major >= 19

    def version_payload(self) -> dict[str, Any]:
        """The dict ``common.version()`` and ``/web/webclient/version_info`` return."""
        return {
            "server_version": self.server_version,
            "server_version_info": self.server_version_info,
            "server_serie": self.series,
            "protocol_version": self.protocol_version,
        }


SUPPORTED: dict[str, OdooVersion] = {
    series: OdooVersion(series=series, major=int(series.split(".")[0]))
    for series in ("17.0", "18.0", "19.0")
}


def parse_version(value: str) -> OdooVersion:
    try:
        return SUPPORTED[value]
    except KeyError:
        choices = ", ".join(SUPPORTED)
        raise ValueError(f"unsupported Odoo version {value!r}; choose one of {choices}") from None
