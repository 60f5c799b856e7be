"""The `OdooTenant` spec as the tenant admin writes it (YAML keys in camelCase).

Strict: an unknown or misspelt key is an error naming its path, so a policy can never silently not
apply. This model is the single source of the spec's shape; the CRD schema mirrors it.
"""

from __future__ import annotations

import ast
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

API_VERSION = "tollgate.dev/v1alpha1"
KIND = "OdooTenant"

Operation = Literal["read", "create", "write", "unlink", "execute"]
OPERATIONS: tuple[Operation, ...] = ("read", "create", "write", "unlink", "execute")
WRITE_OPERATIONS: tuple[Operation, ...] = ("create", "write", "unlink", "execute")

# Odoo model names: dotted lower-case identifiers (res.partner, account.move.line).
_MODEL_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
# A model pattern in a rule: a model name, "*", or a prefix wildcard such as "sale.*".
_MODEL_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$")
_TOOL_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*\*?)$")
# "method" or "model.method"; private methods (leading underscore) are never callable in Odoo.
_METHOD = re.compile(r"^([a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.)?[a-z][a-z0-9_]*$")
# "user@example.com", "*@example.com" or "*".
_EMAIL_PATTERN = re.compile(r"^(\*|(\*|[^@\s*]+)@[^@\s*]+\.[^@\s*]+)$")
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid {what}")
        return value

    return AfterValidator(check)


ModelName = Annotated[str, _matching(_MODEL_NAME, "Odoo model name (e.g. res.partner)")]
ModelPattern = Annotated[
    str, _matching(_MODEL_PATTERN, "model pattern (a model name, 'sale.*' or '*')")
]
ToolPattern = Annotated[str, _matching(_TOOL_PATTERN, "tool name or pattern (e.g. search_*)")]
MethodName = Annotated[
    str, _matching(_METHOD, "method (e.g. action_post or sale.order.action_confirm)")
]
EmailPattern = Annotated[
    str,
    AfterValidator(str.lower),
    _matching(_EMAIL_PATTERN, "email or pattern (user@acme.com, *@acme.com or *)"),
]
FieldName = Annotated[str, _matching(_FIELD_NAME, "field name")]


class SpecModel(BaseModel):
    """camelCase keys, unknown keys rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
    )


class OdooSpec(SpecModel):
    url: Annotated[str, Field(min_length=1, description="Base URL of the tenant's Odoo.")]
    database: Annotated[str, Field(min_length=1, description="Odoo database name.")]
    protocol: Literal["auto", "json2", "jsonrpc", "xmlrpc"] = Field(
        default="auto", description="Force an external API; auto picks the best the version offers."
    )
    verify_tls: bool = Field(default=True, description="Verify the Odoo server's certificate.")
    allow_insecure_http: bool = Field(
        default=False, description="Allow an http:// URL (credentials travel in clear text)."
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    @model_validator(mode="after")
    def _check_url(self) -> OdooSpec:
        scheme, sep, rest = self.url.partition("://")
        if not sep or scheme not in ("http", "https") or not rest or rest.startswith("/"):
            raise ValueError(f"url: {self.url!r} is not an http(s) URL")
        if scheme == "http" and not self.allow_insecure_http:
            raise ValueError(
                "url: http:// sends Odoo credentials in clear text; use https:// "
                "or set allowInsecureHttp: true"
            )
        return self


class AccessSpec(SpecModel):
    mode: Literal["readWrite", "readOnly"] = "readWrite"
    credential_storage: Literal["token", "server"] = Field(
        default="token",
        description="Keep the sealed Odoo credential inside the token or in auth's store.",
    )
    allowed_emails: list[EmailPattern] = Field(
        default_factory=list, description="Who may connect; empty means nobody."
    )


class ModelRule(SpecModel):
    model: ModelPattern
    allow: list[Operation] = Field(default_factory=list)
    deny: list[Operation] = Field(default_factory=list)
    deny_fields: list[FieldName] = Field(
        default_factory=list, description="Fields never returned and never written."
    )

    @model_validator(mode="after")
    def _check_no_overlap(self) -> ModelRule:
        both = sorted(set(self.allow) & set(self.deny))
        if both:
            raise ValueError(f"deny: operations both allowed and denied: {', '.join(both)}")
        return self


class ToolRules(SpecModel):
    allow: list[ToolPattern] = Field(default_factory=lambda: ["*"])
    deny: list[ToolPattern] = Field(default_factory=list)


class ApprovalModelRule(SpecModel):
    model: ModelPattern
    operations: Annotated[list[Operation], Field(min_length=1)]


class ApprovalSpec(SpecModel):
    tools: list[ToolPattern] = Field(default_factory=list, description="Tools needing approval.")
    models: list[ApprovalModelRule] = Field(
        default_factory=list, description="Operations on models needing approval."
    )
    approvers: list[EmailPattern] = Field(default_factory=list)
    expires_after_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)

    @model_validator(mode="after")
    def _check_approvers(self) -> ApprovalSpec:
        if (self.tools or self.models) and not self.approvers:
            raise ValueError(
                "approvers: approvals are required for some calls but nobody can approve"
            )
        return self


class RateLimits(SpecModel):
    per_user_per_minute: int | None = Field(default=None, ge=1)
    per_user_per_day: int | None = Field(default=None, ge=1)
    per_connection_per_minute: int | None = Field(default=None, ge=1)
    per_connection_per_day: int | None = Field(default=None, ge=1)
    per_tenant_per_minute: int | None = Field(default=None, ge=1)
    per_tenant_per_day: int | None = Field(default=None, ge=1)


class PolicySpec(SpecModel):
    default_model_access: Literal["allow", "deny"] = Field(
        default="deny", description="What happens to a model no rule names."
    )
    models: list[ModelRule] = Field(default_factory=list)
    tools: ToolRules = Field(default_factory=ToolRules)
    methods: list[MethodName] = Field(
        default_factory=list, description="Methods call_method may run; empty means none."
    )
    approvals: ApprovalSpec = Field(default_factory=ApprovalSpec)
    rate_limits: RateLimits = Field(default_factory=RateLimits)


class WorkerSpec(SpecModel):
    replicas: int = Field(default=1, ge=1, le=20)


class TenantSpec(SpecModel):
    odoo: OdooSpec
    access: AccessSpec = Field(default_factory=AccessSpec)
    policy: PolicySpec = Field(default_factory=PolicySpec)
    vocabulary: dict[Annotated[str, Field(min_length=1)], ModelName] = Field(
        default_factory=dict, description="Business words for models, e.g. customers: res.partner."
    )
    vocabulary_domains: dict[Annotated[str, Field(min_length=1)], str] = Field(
        default_factory=dict,
        description="Optional default domain per vocabulary word, in Odoo's notation, e.g. "
        "customers: \"[('customer_rank', '>', 0)]\".",
    )
    worker: WorkerSpec = Field(default_factory=WorkerSpec)

    @model_validator(mode="after")
    def _check_vocabulary_is_unambiguous(self) -> TenantSpec:
        seen: dict[str, str] = {}
        for word in self.vocabulary:
            key = word.strip().lower()
            if key in seen:
                raise ValueError(
                    f"vocabulary: {seen[key]!r} and {word!r} are the same word "
                    "(words are matched without regard to case)"
                )
            seen[key] = word
        for word, domain in self.vocabulary_domains.items():
            if word.strip().lower() not in seen:
                raise ValueError(f"vocabularyDomains: {word!r} is not a word of the vocabulary")
            try:
                parse_domain(domain)
            except ValueError as error:
                raise ValueError(f"vocabularyDomains.{word}: {error}") from None
        return self


def parse_domain(text: str) -> list[Any]:
    """An Odoo domain written as Odoo shows it (``[('state', '=', 'sale')]``) or as JSON."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        raise ValueError(f"{text!r} is not a domain like [('state', '=', 'sale')]") from None
    if not isinstance(value, list | tuple):
        raise ValueError(f"{text!r} is not a list of conditions")
    domain: list[Any] = []
    for item in value:
        if item in ("&", "|", "!"):
            domain.append(item)
        elif (
            isinstance(item, list | tuple)
            and len(item) == 3
            and isinstance(item[0], str)
            and isinstance(item[1], str)
        ):
            domain.append([item[0], item[1], _plain(item[2])])
        else:
            raise ValueError(f"{item!r} is not a (field, operator, value) condition")
    return domain


def _plain(value: Any) -> Any:
    """Tuples (Python's notation) as lists, so the domain is JSON."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value
