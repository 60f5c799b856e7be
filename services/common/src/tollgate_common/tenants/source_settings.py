"""Where a service reads its tenants from: the settings front, auth and policy share.

``TENANTS_SOURCE=directory`` (the local stack) reads ``TENANTS_DIR``; ``kubernetes`` (the chart)
watches the operator's labelled ConfigMaps in ``TENANTS_NAMESPACE`` through the API server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from tollgate_common.tenants.kubernetes import DEFAULT_LABEL_SELECTOR, KubernetesSource
from tollgate_common.tenants.registry import DirectorySource, TenantSource


class TenantSourceSettings(BaseModel):
    """Mixed into a service's settings (after its `ServiceSettings` base)."""

    tenants_source: Literal["directory", "kubernetes"] = Field(
        default="directory",
        description="Where tenant configs come from: a directory, or the operator's ConfigMaps "
        "watched through the Kubernetes API (in-cluster service account).",
    )
    tenants_dir: Path | None = Field(
        default=None,
        description="Directory of compiled tenant configs (*.json) or OdooTenant resources; "
        "required when the source is a directory.",
    )
    tenants_namespace: str = Field(
        default="",
        description="Namespace of the tenant ConfigMaps (kubernetes source); empty means the "
        "pod's own.",
    )
    tenants_label_selector: str = Field(
        default=DEFAULT_LABEL_SELECTOR,
        description="Label selector of the tenant ConfigMaps (kubernetes source).",
    )

    @field_validator("tenants_dir")
    @classmethod
    def _check_dir(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None and info.data.get("tenants_source", "directory") == "directory":
            # Reported like any missing setting, next to the others (the settings declare
            # tenants_source first, so it is known here).
            raise PydanticCustomError("missing", "required unless the source is kubernetes")
        if value is not None and not value.is_dir():
            raise ValueError(f"{str(value)!r} is not a directory")
        return value


def tenant_source(settings: TenantSourceSettings) -> TenantSource:
    """The source the settings name."""
    if settings.tenants_source == "kubernetes":
        return KubernetesSource.in_cluster(
            settings.tenants_namespace, label_selector=settings.tenants_label_selector
        )
    assert settings.tenants_dir is not None  # checked by the settings
    return DirectorySource(settings.tenants_dir)
