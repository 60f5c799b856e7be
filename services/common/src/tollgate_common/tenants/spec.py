"""The `OdooTenant` spec as the tenant admin writes it (YAML keys in camelCase).

Strict: an unknown or misspelt key is an error naming its path, so a policy can never silently not
apply. This model is the single source of the spec's shape; the CRD schema mirrors it.
"""

from __future__ import annotations

import ast
import ipaddress
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


def _check_cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IP address or CIDR range (e.g. 10.0.0.0/8)"
        ) from None


Cidr = Annotated[str, AfterValidator(_check_cidr)]


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
    allow: list[ToolPattern] = Field(
        default_factory=lambda: ["*"], description="Tools the AI may use (names or patterns)."
    )
    deny: list[ToolPattern] = Field(
        default_factory=list, description="Tools the AI may never use; deny wins over allow."
    )
    confirm: list[ToolPattern] = Field(
        default_factory=list,
        description="Tools that ask the user in the client first (MCP elicitation), "
        "where the client supports it.",
    )

    @model_validator(mode="after")
    def _check_no_overlap(self) -> ToolRules:
        both = sorted(set(self.allow) & set(self.deny))
        if both:
            raise ValueError(f"deny: tools both allowed and denied: {', '.join(both)}")
        return self


class IpRules(SpecModel):
    allow: list[Cidr] = Field(
        default_factory=list, description="Addresses calls may come from (CIDR); empty means any."
    )
    block: list[Cidr] = Field(
        default_factory=list, description="Addresses always refused (CIDR); block wins over allow."
    )

    @model_validator(mode="after")
    def _check_no_overlap(self) -> IpRules:
        both = sorted(set(self.allow) & set(self.block))
        if both:
            raise ValueError(f"block: ranges both allowed and blocked: {', '.join(both)}")
        return self


class ConnectionRule(SpecModel):
    connection: Annotated[
        str,
        Field(
            min_length=1,
            description="Connection id or subject of an API-key connection (e.g. key:ci-bot).",
        ),
    ]
    tools: list[ToolPattern] = Field(
        default_factory=list, description="Tools this connection may use; empty means no limit."
    )
    models: list[ModelPattern] = Field(
        default_factory=list, description="Models this connection may touch; empty means no limit."
    )
    ip: IpRules = Field(default_factory=IpRules, description="Where this connection may call from.")


class AuditSpec(SpecModel):
    payload_logging: bool = Field(
        default=False,
        description="Also log call arguments (denied fields are never logged).",
    )
    max_records: int = Field(
        default=100_000, ge=1, le=100_000_000, description="Audit records kept (oldest dropped)."
    )


class ApprovalModelRule(SpecModel):
    model: ModelPattern
    operations: Annotated[list[Operation], Field(min_length=1)]


class ApprovalSpec(SpecModel):
    tools: list[ToolPattern] = Field(default_factory=list, description="Tools needing approval.")
    models: list[ApprovalModelRule] = Field(
        default_factory=list, description="Operations on models needing approval."
    )
    approvers: list[EmailPattern] = Field(
        default_factory=list, description="Who may approve (emails or *@domain patterns)."
    )
    expires_after_minutes: int = Field(
        default=30,
        ge=1,
        le=7 * 24 * 60,
        description="How long a request or an approval stays valid.",
    )

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

    @model_validator(mode="after")
    def _check_minute_within_day(self) -> RateLimits:
        for scope in ("user", "connection", "tenant"):
            minute = getattr(self, f"per_{scope}_per_minute")
            day = getattr(self, f"per_{scope}_per_day")
            if minute is not None and day is not None and minute > day:
                raise ValueError(
                    f"per{scope.title()}PerMinute: {minute} a minute is more than "
                    f"per{scope.title()}PerDay ({day} a day)"
                )
        return self


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
    ip: IpRules = Field(default_factory=IpRules, description="Where calls may come from.")
    connections: list[ConnectionRule] = Field(
        default_factory=list, description="Extra restrictions for named API-key connections."
    )
    dry_run: bool = Field(
        default=False,
        description="Writes are validated and described but not executed.",
    )
    audit: AuditSpec = Field(
        default_factory=AuditSpec, description="What the audit trail keeps for this tenant."
    )

    @model_validator(mode="after")
    def _check_consistent(self) -> PolicySpec:
        for index, pattern in enumerate(self.approvals.tools):
            if pattern in self.tools.deny:
                raise ValueError(
                    f"approvals: tools[{index}] {pattern!r} is denied in tools.deny, "
                    "so it can never be approved"
                )
        seen: set[str] = set()
        for index, connection in enumerate(self.connections):
            if connection.connection in seen:
                raise ValueError(
                    f"connections: [{index}] {connection.connection!r} is listed twice"
                )
            seen.add(connection.connection)
        for index, approval in enumerate(self.approvals.models):
            for rule in self.models:
                if rule.model == approval.model and set(approval.operations) <= set(rule.deny):
                    raise ValueError(
                        f"approvals: models[{index}] ({approval.model}) needs approval for "
                        "operations the model rule denies, so it can never be approved"
                    )
        return self


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
