"""What a tool is, what it gets to work with, and the registry that dispatches ``ToolCall.tool``.

A tool declares its arguments as a pydantic model (unknown keys refused) and implements `run`.
Adding a tool is one module in this package plus one line in `tollgate_worker.tools.build_registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.models import ModelCatalog
from tollgate_worker.schema import ModelSchema, SchemaCache
from tollgate_worker.session import OdooSession
from tollgate_worker.shaping.links import RecordLinks
from tollgate_worker.tools.arguments import ModelName


class ToolArguments(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ModelArguments(ToolArguments):
    """Arguments of a tool working on one model, in the caller's chosen companies."""

    model: ModelName
    company_ids: list[Annotated[int, Field(gt=0)]] | None = Field(default=None, max_length=20)


ArgumentsT = TypeVar("ArgumentsT", bound=ToolArguments)


@dataclass(frozen=True)
class ToolLimits:
    default_limit: int = 20
    max_limit: int = 200
    # Largest answer (bytes of JSON records) before a page is cut with a "more" marker.
    answer_budget: int = 12_000
    max_batch: int = 100
    export_page: int = 500


@dataclass(frozen=True)
class ToolContext:
    """Everything a tool may use for one call."""

    session: OdooSession
    schemas: SchemaCache
    models: ModelCatalog
    limits: ToolLimits
    # Base of web-client links (the Odoo URL users open, which may differ from the worker's).
    public_url: str = ""
    # Obligations from policy: ``field`` or ``model.field`` names never to return.
    redact_fields: frozenset[str] = frozenset()
    dry_run: bool = False

    def is_redacted(self, model: str, field_name: str) -> bool:
        return field_name in self.redact_fields or f"{model}.{field_name}" in self.redact_fields

    async def fields(self, model: str) -> ModelSchema:
        return await self.schemas.fields(self.session, model)

    async def links(self) -> RecordLinks | None:
        if not self.public_url:
            return None
        version = await self.session.client.version(deadline=self.session.deadline)
        return RecordLinks(self.public_url, version.major)


@dataclass(frozen=True)
class ToolResult:
    data: Mapping[str, Any]
    record_count: int = 0


class Tool(ABC, Generic[ArgumentsT]):
    name: ClassVar[str]
    # The operation policy authorizes for this tool (read, create, write, unlink, execute).
    operation: ClassVar[str]
    arguments: type[ArgumentsT]

    @abstractmethod
    async def run(self, context: ToolContext, arguments: ArgumentsT) -> ToolResult: ...

    async def prepare(self, context: ToolContext, arguments: ArgumentsT) -> None:
        """Apply the call's company context before `run` (see `OdooSession.use_companies`)."""
        companies = getattr(arguments, "company_ids", None)
        if companies:
            await context.session.use_companies(companies)

    def target_model(self, arguments: ArgumentsT) -> str:
        """The model the call works on ("" when none), as policy must have seen it."""
        model = getattr(arguments, "model", "")
        return model if isinstance(model, str) else ""

    def check_authorized_as(
        self, arguments: ArgumentsT, model: str, operation: str, method: str = ""
    ) -> None:
        """Refuse a call whose arguments do something else than what policy authorized.

        Policy decides on ``ToolCall.model`` and ``ToolCall.operation``; the worker runs the
        arguments. When the two disagree, running would bypass the decision.
        """
        if model and model != self.target_model(arguments):
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                "The call's model does not match the model in its arguments.",
                field="model",
            )
        if operation and operation != self.operation:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"{self.name} performs {self.operation!r}, not {operation!r}.",
                field="operation",
            )

    def parse_arguments(self, raw: Any) -> ArgumentsT:
        """Validated arguments, or INVALID_ARGUMENT naming the first argument at fault."""
        if not isinstance(raw, Mapping):
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, f"The arguments of {self.name} must be a JSON object."
            )
        try:
            return self.arguments.model_validate(raw)
        except ValidationError as error:
            raise _argument_error(self.name, error) from None


def _argument_error(tool: str, error: ValidationError) -> TollgateError:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        message = f"{tool} has no argument {where!r}."
    else:
        reason = first["msg"].removeprefix("Value error, ")
        message = f"Argument {where!r} of {tool}: {reason}."
    return TollgateError(
        ErrorCode.INVALID_ARGUMENT, message, field=str(first["loc"][0]) if first["loc"] else ""
    )


class ToolRegistry:
    def __init__(self, tools: Iterable[Tool[Any]]) -> None:
        self._tools: dict[str, Tool[Any]] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"tool {tool.name!r} registered twice")
            self._tools[tool.name] = tool

    @property
    def names(self) -> list[str]:
        return sorted(self._tools)

    def get(self, name: str) -> Tool[Any]:
        tool = self._tools.get(name)
        if tool is None:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"This worker has no tool named {name!r}.",
                field="tool",
                suggestions=self.names,
            )
        return tool
