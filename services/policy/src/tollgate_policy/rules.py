"""The rule engine: a tenant's policy compiled once, then asked about each call (pure, no I/O).

Precedence, first match decides: where the call comes from (IP block, then allow lists), the
connection's own restrictions, the tool rules (deny beats allow), the model operation (the most
specific model pattern that names the operation wins, deny beats allow at equal specificity, the
tenant default otherwise; read-only mode is a deny of every write on ``*``), the method allowlist
for ``execute``, the field deny-lists, and finally whether a human must approve. Every verdict
names the rule that decided, as it reads in the tenant spec.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Final, Literal

from tollgate.v1 import common_pb2
from tollgate_common.tenants.config import TenantConfig
from tollgate_common.tenants.spec import OPERATIONS, WRITE_OPERATIONS, ConnectionRule, ModelRule

Outcome = Literal["allow", "deny", "approval"]
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Argument keys the tools use for written values and for read field lists.
_VALUE_KEYS: Final = ("values", "vals", "records")
_DOMAIN_KEYS: Final = ("domain",)
# Rulings (per tool, model, operation, method) a compiled policy remembers at most.
_RULINGS_KEPT: Final = 4096


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    rule: str
    reason_code: str = ""
    message: str = ""
    redact_fields: tuple[str, ...] = ()
    dry_run: bool = False
    confirm: bool = False
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class CallFacts:
    """What a decision looks at, taken from the request once."""

    tool: str
    model: str
    operation: str
    method: str
    client_ip: str
    connection_id: str
    subject: str
    allowed_tools: tuple[str, ...] = ()
    allowed_models: tuple[str, ...] = ()
    arguments_json: bytes = b""

    @classmethod
    def of(
        cls, principal: common_pb2.Principal, call: common_pb2.ToolCall, client_ip: str
    ) -> CallFacts:
        return cls(
            tool=call.tool,
            model=call.model,
            operation=call.operation or ("read" if call.model else ""),
            method=call.method,
            client_ip=client_ip,
            connection_id=principal.connection_id,
            subject=principal.subject,
            allowed_tools=tuple(principal.allowed_tools),
            allowed_models=tuple(principal.allowed_models),
            arguments_json=call.arguments_json,
        )

    @cached_property
    def arguments(self) -> dict[str, Any]:
        """The call's arguments, parsed only when a decision looks at them (field deny-lists):
        most calls are decided without reading them."""
        return parse_arguments(self.arguments_json)


def parse_arguments(payload: bytes) -> dict[str, Any]:
    if not payload:
        return {}
    try:
        value = json.loads(payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def tool_matches(pattern: str, tool: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return tool.startswith(pattern[:-1])
    return pattern == tool


def model_specificity(pattern: str, model: str) -> int:
    """-1 when ``pattern`` does not match ``model``; higher means more specific."""
    if pattern == "*":
        return 0
    if pattern.endswith(".*"):
        prefix = pattern[:-1]
        return len(prefix) if model.startswith(prefix) else -1
    return 10_000 if pattern == model else -1


def _networks(cidrs: Iterable[str]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


@functools.lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _first(patterns: Sequence[str], tool: str) -> int:
    return next((i for i, pattern in enumerate(patterns) if tool_matches(pattern, tool)), -1)


def _deny(rule: str, reason_code: str, message: str) -> Verdict:
    return Verdict("deny", rule, reason_code, message)


def _restrict(
    where: str, tools: Sequence[str], models: Sequence[str], facts: CallFacts
) -> Verdict | None:
    """The refusal of a connection's own tool or model list, if any."""
    if tools and _first(tools, facts.tool) < 0:
        return _deny(
            f"{where}.tools",
            "connection_tool_denied",
            f"This connection may not use {facts.tool}.",
        )
    if facts.model and models and not any(model_specificity(p, facts.model) >= 0 for p in models):
        return _deny(
            f"{where}.models",
            "connection_model_denied",
            f"This connection may not touch {facts.model}.",
        )
    return None


@dataclass(frozen=True)
class _IpList:
    where: str
    allow: tuple[IpNetwork, ...]
    block: tuple[IpNetwork, ...]

    def check(self, client_ip: str) -> Verdict | None:
        if not self.allow and not self.block:
            return None
        address = _address(client_ip)
        if address is None:
            # An address we cannot read cannot be shown to be allowed: fail closed.
            return _deny(
                f"{self.where}", "ip_unknown", "The caller's network address is unknown here."
            )
        if any(address in network for network in self.block):
            return _deny(
                f"{self.where}.block",
                "ip_blocked",
                f"Calls from {address} are blocked by the tenant's policy.",
            )
        if self.allow and not any(address in network for network in self.allow):
            return _deny(
                f"{self.where}.allow",
                "ip_not_allowed",
                f"Calls from {address} are not allowed by the tenant's policy.",
            )
        return None


@dataclass
class CompiledPolicy:
    """One tenant's policy, ready to answer; build with `CompiledPolicy.of` (raises ValueError
    naming the field when the config cannot be compiled)."""

    config: TenantConfig
    tenant_ip: _IpList
    connection_ips: dict[str, _IpList] = field(default_factory=dict)

    @classmethod
    def of(cls, config: TenantConfig) -> CompiledPolicy:
        policy = config.policy
        try:
            tenant_ip = _IpList("policy.ip", _networks(policy.ip.allow), _networks(policy.ip.block))
            connection_ips = {
                rule.connection: _IpList(
                    f"policy.connections[{index}].ip",
                    _networks(rule.ip.allow),
                    _networks(rule.ip.block),
                )
                for index, rule in enumerate(policy.connections)
            }
        except ValueError as error:
            raise ValueError(f"policy.ip: {error}") from None
        return cls(config, tenant_ip, connection_ips)

    @property
    def revision(self) -> str:
        return self.config.revision

    @cached_property
    def _rule_names(self) -> list[str]:
        """How each compiled model rule is named in the spec (read-only mode adds rule 0)."""
        offset = 1 if self.config.access.read_only else 0
        names = [
            f"policy.models[{index - offset}] ({rule.model})"
            for index, rule in enumerate(self.config.policy.models)
        ]
        if offset:
            names[0] = "access.mode (readOnly)"
        return names

    def _connection(self, facts: CallFacts) -> tuple[int, ConnectionRule] | None:
        for index, rule in enumerate(self.config.policy.connections):
            if rule.connection in (facts.connection_id, facts.subject):
                return index, rule
        return None

    # -- the steps, in order of precedence ---------------------------------------------------
    def decide(self, facts: CallFacts) -> Verdict:
        verdict = self._check_ip(facts) or self._check_connection(facts)
        if verdict is not None:
            return verdict
        # The remaining steps depend on the caller only through the arguments (field
        # deny-lists): the rest is worked out once per tool, model, operation and method.
        key = (facts.tool, facts.model, facts.operation, facts.method)
        ruling = self._rulings.get(key)
        if ruling is None:
            if len(self._rulings) >= _RULINGS_KEPT:
                self._rulings.clear()  # model names come from callers: keep memory bounded
            ruling = self._rulings[key] = self._rule_on(facts)
        verdict, redact = ruling
        if verdict.outcome != "deny" and redact:
            return self._check_fields(facts, redact) or verdict
        return verdict

    @cached_property
    def _rulings(self) -> dict[tuple[str, str, str, str], tuple[Verdict, tuple[str, ...]]]:
        return {}

    def _rule_on(self, facts: CallFacts) -> tuple[Verdict, tuple[str, ...]]:
        """The verdict of the tool, model, method and approval steps (before the field
        deny-lists, whose names come with it)."""
        verdict = self._check_tool(facts)
        if verdict is not None:
            return verdict, ()
        redact: tuple[str, ...] = ()
        rule = f"policy.tools.allow ({facts.tool})"
        if facts.model:
            verdict, rule = self._check_model(facts)
            if verdict is not None:
                return verdict, ()
            redact = self.denied_fields(facts.model)
        return self._allowed(facts, rule, redact), redact

    def _allowed(self, facts: CallFacts, rule: str, redact: tuple[str, ...]) -> Verdict:
        confirm = _first(self.config.policy.tools.confirm, facts.tool) >= 0
        dry_run = self.config.policy.dry_run and facts.operation in WRITE_OPERATIONS
        approval_rule = self._approval_rule(facts)
        if approval_rule is not None:
            approvers = tuple(self.config.policy.approvals.approvers)
            return Verdict(
                "approval",
                approval_rule,
                "approval_required",
                f"{facts.tool} needs an approval from {', '.join(approvers)} first.",
                redact,
                dry_run,
                confirm,
                approvers,
            )
        return Verdict("allow", rule, "", "", redact, dry_run, confirm)

    def _check_ip(self, facts: CallFacts) -> Verdict | None:
        verdict = self.tenant_ip.check(facts.client_ip)
        if verdict is not None or not self.connection_ips:
            return verdict
        found = self._connection(facts)
        return self.connection_ips[found[1].connection].check(facts.client_ip) if found else None

    def _check_connection(self, facts: CallFacts) -> Verdict | None:
        verdict = _restrict("connection", facts.allowed_tools, facts.allowed_models, facts)
        if verdict is not None or not self.config.policy.connections:
            return verdict
        found = self._connection(facts)
        if found is None:
            return None
        index, rule = found
        return _restrict(f"policy.connections[{index}]", rule.tools, rule.models, facts)

    def _check_tool(self, facts: CallFacts) -> Verdict | None:
        tools = self.config.policy.tools
        denied = _first(tools.deny, facts.tool)
        if denied >= 0:
            return _deny(
                f"policy.tools.deny[{denied}]",
                "tool_denied",
                f"The tenant's policy does not allow the tool {facts.tool}.",
            )
        if _first(tools.allow, facts.tool) < 0:
            return _deny(
                "policy.tools.allow",
                "tool_not_allowed",
                f"The tenant's policy does not allow the tool {facts.tool}.",
            )
        return None

    def _operation_rule(self, model: str, operation: str) -> tuple[int, bool] | None:
        """(index, allowed) of the rule that decides ``operation`` on ``model``, if any."""
        best: tuple[int, int, bool] | None = None  # specificity, index, allowed
        for index, rule in enumerate(self.config.policy.models):
            specificity = model_specificity(rule.model, model)
            if specificity < 0:
                continue
            for allowed, operations in ((False, rule.deny), (True, rule.allow)):
                if operation not in operations:
                    continue
                # Deny (False) wins over allow at equal specificity.
                if best is None or (specificity, not allowed) > (best[0], not best[2]):
                    best = (specificity, index, allowed)
        return None if best is None else (best[1], best[2])

    def _check_model(self, facts: CallFacts) -> tuple[Verdict | None, str]:
        operation, model = facts.operation, facts.model
        if operation not in OPERATIONS:
            return (
                _deny("", "unknown_operation", f"Unknown operation {operation!r}."),
                "",
            )
        found = self._operation_rule(model, operation)
        if found is None:
            rule = f"policy.defaultModelAccess ({self.config.policy.default_model_access})"
            allowed = self.config.policy.default_model_access == "allow"
        else:
            rule, allowed = self._rule_names[found[0]], found[1]
        if not allowed:
            if self.config.access.read_only and operation != "read":
                return (
                    _deny(
                        rule,
                        "read_only",
                        f"This tenant is read-only: {operation} on {model} is not allowed.",
                    ),
                    rule,
                )
            return (
                _deny(
                    rule,
                    "model_operation_denied",
                    f"The tenant's policy does not allow {operation} on {model}.",
                ),
                rule,
            )
        if operation == "execute":
            verdict = self._check_method(facts)
            if verdict is not None:
                return verdict, rule
        return None, rule

    def _check_method(self, facts: CallFacts) -> Verdict | None:
        method = facts.method
        allowed = self.config.policy.methods
        if (
            method
            and not method.startswith("_")
            and (method in allowed or f"{facts.model}.{method}" in allowed)
        ):
            return None
        return _deny(
            "policy.methods",
            "method_not_allowed",
            f"The tenant's policy does not allow calling {method or 'methods'} on {facts.model}.",
        )

    def denied_fields(self, model: str) -> tuple[str, ...]:
        fields: set[str] = set()
        for rule in self._matching_rules(model):
            fields.update(rule.deny_fields)
        return tuple(sorted(fields))

    def _matching_rules(self, model: str) -> Iterator[ModelRule]:
        return (r for r in self.config.policy.models if model_specificity(r.model, model) >= 0)

    def _check_fields(self, facts: CallFacts, denied: tuple[str, ...]) -> Verdict | None:
        if not denied:
            return None
        touched = set(_written_fields(facts.arguments)) | set(_domain_fields(facts.arguments))
        hit = sorted(touched & set(denied))
        if not hit:
            return None
        return _deny(
            f"policy.models denyFields ({facts.model})",
            "field_denied",
            f"The tenant's policy does not allow using {', '.join(hit)} on {facts.model}.",
        )

    def _approval_rule(self, facts: CallFacts) -> str | None:
        approvals = self.config.policy.approvals
        index = _first(approvals.tools, facts.tool)
        if index >= 0:
            return f"policy.approvals.tools[{index}]"
        if facts.model:
            for index, rule in enumerate(approvals.models):
                if (
                    facts.operation in rule.operations
                    and model_specificity(rule.model, facts.model) >= 0
                ):
                    return f"policy.approvals.models[{index}]"
        return None

    def tool_visible(self, principal: common_pb2.Principal, tool: str, operation: str) -> bool:
        """Whether a call of ``tool``, which performs ``operation``, could ever be allowed for
        this caller (for tools/list): its tool and connection rules allow it, and the model step
        of `decide` lets the operation through on at least one model. Checked with the same
        steps as `decide`, so tools/list never shows a tool every call of which is refused."""
        facts = CallFacts(
            tool=tool,
            model="",
            operation=operation,
            method="",
            client_ip="",
            connection_id=principal.connection_id,
            subject=principal.subject,
            allowed_tools=tuple(principal.allowed_tools),
            allowed_models=tuple(principal.allowed_models),
        )
        if self._check_connection(facts) is not None or self._check_tool(facts) is not None:
            return False
        return any(
            self._check_connection(candidate) is None and self._check_model(candidate)[0] is None
            for candidate in self._candidate_calls(facts)
        )

    def _candidate_calls(self, facts: CallFacts) -> Iterator[CallFacts]:
        """Calls of ``facts.tool`` on models that stand for every model there is (see
        `witness_models`); for ``execute``, with each method the allowlist names."""
        models = witness_models([*self._model_patterns, *facts.allowed_models])
        if facts.operation != "execute":
            yield from (replace(facts, model=model) for model in models)
            return
        for entry in self.config.policy.methods:
            model, _, method = entry.rpartition(".")
            if model:
                yield replace(facts, model=model, method=method)
            else:
                yield from (replace(facts, model=each, method=method) for each in models)

    @cached_property
    def _model_patterns(self) -> tuple[str, ...]:
        """Every model pattern a decision can look at, apart from the caller's own."""
        policy = self.config.policy
        return (
            *(rule.model for rule in policy.models),
            *(pattern for rule in policy.connections for pattern in rule.models),
            *(entry.rpartition(".")[0] for entry in policy.methods if "." in entry),
        )


def witness_models(patterns: Iterable[str]) -> list[str]:
    """Model names that between them match every combination of ``patterns`` a model can.

    A decision about a model depends only on which patterns match it. A model either is one of
    the exact names, or its longest matching prefix pattern (if any) fixes all the prefixes it
    matches: exactly the shorter ones. So each exact name, plus per prefix (and for no prefix) a
    fresh name right under it, covers every model: if an operation is allowed on some model, it
    is allowed on one of these. A fresh name has no dot after its prefix, so no longer prefix
    (which ends with a dot) matches it; it only has to differ from the exact names.
    """
    exact = {p for p in patterns if p != "*" and not p.endswith(".*")}
    prefixes = {p[:-1] for p in patterns if p.endswith(".*")}
    witnesses = sorted(exact)
    for prefix in ("", *sorted(prefixes)):
        fresh = (f"{prefix}x_unnamed{n}" for n in itertools.count())
        witnesses.append(next(name for name in fresh if name not in exact))
    return witnesses


def _written_fields(arguments: dict[str, Any]) -> Iterator[str]:
    for key in _VALUE_KEYS:
        values = arguments.get(key)
        rows = values if isinstance(values, list) else [values]
        for row in rows:
            if isinstance(row, dict):
                yield from (str(name) for name in row)


def _domain_fields(arguments: dict[str, Any]) -> Iterator[str]:
    for key in _DOMAIN_KEYS:
        domain = arguments.get(key)
        if not isinstance(domain, list):
            continue
        for term in domain:
            if isinstance(term, list | tuple) and term and isinstance(term[0], str):
                yield term[0].split(".", 1)[0]
