"""Structured errors across gRPC.

A servicer raises `TollgateError`; the `ErrorInterceptor` (installed by the server bootstrap) turns
it into a gRPC status with a ``google.rpc.Status`` detail packing ``tollgate.v1.ErrorDetail``, and
turns any other exception into a plain INTERNAL error without a traceback. A client wraps its calls
in `rpc_errors(peer)` (or calls `from_rpc_error`) to get the same `TollgateError` back, including
clear errors for a peer that is down or too slow, which never carry a structured detail.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2
from grpc_status import rpc_status
from opentelemetry import trace
from opentelemetry.trace import StatusCode
from tollgate.v1 import common_pb2

logger = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    """Why a call failed; mirrors ``tollgate.v1.ErrorReason`` without its prefix."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    POLICY_DENIED = "POLICY_DENIED"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    ODOO_ERROR = "ODOO_ERROR"
    VALIDATION_FAILED = "VALIDATION_FAILED"
    INTERNAL = "INTERNAL"

    @property
    def status_code(self) -> grpc.StatusCode:
        """The gRPC status code that carries this reason on the wire."""
        return _STATUS_BY_CODE[self]


_STATUS_BY_CODE: dict[ErrorCode, grpc.StatusCode] = {
    ErrorCode.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorCode.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.UNAUTHENTICATED: grpc.StatusCode.UNAUTHENTICATED,
    ErrorCode.PERMISSION_DENIED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.POLICY_DENIED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.APPROVAL_REQUIRED: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.RATE_LIMITED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorCode.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    ErrorCode.DEADLINE_EXCEEDED: grpc.StatusCode.DEADLINE_EXCEEDED,
    ErrorCode.ODOO_ERROR: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.VALIDATION_FAILED: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorCode.INTERNAL: grpc.StatusCode.INTERNAL,
}

# What a client concludes from a bare status code (a peer that is down or not one of ours).
_CODE_BY_STATUS: dict[grpc.StatusCode, ErrorCode] = {
    grpc.StatusCode.INVALID_ARGUMENT: ErrorCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND: ErrorCode.NOT_FOUND,
    grpc.StatusCode.UNAUTHENTICATED: ErrorCode.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED: ErrorCode.PERMISSION_DENIED,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ErrorCode.RATE_LIMITED,
    grpc.StatusCode.UNAVAILABLE: ErrorCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: ErrorCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED: ErrorCode.UNAVAILABLE,
}

_REASON_PREFIX = "ERROR_REASON_"


class TollgateError(Exception):
    """An error whose message is safe to show to the user and the AI."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        hint: str = "",
        field: str = "",
        retry_after: float | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.field = field
        self.retry_after = retry_after
        self.suggestions = tuple(suggestions)

    def __repr__(self) -> str:
        return f"TollgateError({self.code.value}, {self.message!r})"

    def to_detail(self) -> common_pb2.ErrorDetail:
        return common_pb2.ErrorDetail(
            reason=common_pb2.ErrorReason.Value(_REASON_PREFIX + self.code.value),
            message=self.message,
            hint=self.hint,
            field=self.field,
            retry_after_seconds=self.retry_after or 0.0,
            suggestions=list(self.suggestions),
        )

    @classmethod
    def from_detail(cls, detail: common_pb2.ErrorDetail) -> TollgateError:
        name = common_pb2.ErrorReason.Name(detail.reason).removeprefix(_REASON_PREFIX)
        code = ErrorCode(name) if name in ErrorCode.__members__ else ErrorCode.INTERNAL
        return cls(
            code,
            detail.message,
            hint=detail.hint,
            field=detail.field,
            retry_after=detail.retry_after_seconds or None,
            suggestions=list(detail.suggestions),
        )

    def to_status(self) -> grpc.Status:
        """The gRPC status (code, message, ``grpc-status-details-bin`` trailer) for this error."""
        packed = any_pb2.Any()
        packed.Pack(self.to_detail())
        proto = status_pb2.Status(
            code=self.code.status_code.value[0], message=self.message, details=[packed]
        )
        return rpc_status.to_status(proto)


async def abort(context: grpc.aio.ServicerContext[Any, Any], error: TollgateError) -> NoReturn:
    """End the current call with ``error`` as a structured status."""
    # OpenTelemetry's gRPC interceptor does not see abort_with_status: mark its span here.
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute("rpc.grpc.status_code", error.code.status_code.value[0])
        span.set_attribute("tollgate.error.code", error.code.value)
        span.set_status(StatusCode.ERROR, error.code.value)
    await context.abort_with_status(error.to_status())
    raise AssertionError("abort_with_status returned")  # pragma: no cover - grpc always raises


def detail_from_status(status: status_pb2.Status) -> common_pb2.ErrorDetail | None:
    for packed in status.details:
        if packed.Is(common_pb2.ErrorDetail.DESCRIPTOR):
            detail = common_pb2.ErrorDetail()
            packed.Unpack(detail)
            return detail
    return None


def _status_from_trailers(error: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            if status.code != code_pb2.OK:
                return status
    return None


def from_rpc_error(error: grpc.aio.AioRpcError, peer: str = "the service") -> TollgateError:
    """The `TollgateError` a failed call stands for; ``peer`` names the callee in messages."""
    status = _status_from_trailers(error)
    detail = detail_from_status(status) if status is not None else None
    if detail is not None:
        return TollgateError.from_detail(detail)
    code = error.code()
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return TollgateError(
            ErrorCode.DEADLINE_EXCEEDED,
            f"{peer} did not answer in time.",
            hint="Try again in a moment; if it keeps happening, ask an administrator.",
        )
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
        return TollgateError(
            ErrorCode.UNAVAILABLE,
            f"{peer} is unavailable.",
            hint="Try again in a moment; if it keeps happening, ask an administrator.",
        )
    # Without our detail the status text may come from gRPC internals or a foreign server: the
    # client gets the category only; operators find the rest in the logs and the trace.
    logger.warning(
        "call failed without an error detail",
        extra={"peer": peer, "grpc_code": code.name, "grpc_details": error.details()},
    )
    return TollgateError(_CODE_BY_STATUS.get(code, ErrorCode.INTERNAL), f"{peer} failed.")


@contextmanager
def rpc_errors(peer: str) -> Iterator[None]:
    """Re-raise a failed gRPC call inside the block as the `TollgateError` it stands for."""
    try:
        yield
    except grpc.aio.AioRpcError as error:
        raise from_rpc_error(error, peer) from None


_INTERNAL = TollgateError(
    ErrorCode.INTERNAL,
    "An internal error occurred.",
    hint="Try again; if it keeps happening, give an administrator the time of the call.",
)


async def _abort_for(exc: Exception, context: grpc.aio.ServicerContext[Any, Any]) -> NoReturn:
    if isinstance(exc, TollgateError):
        await abort(context, exc)
    logger.exception("unhandled error in a gRPC method")
    await abort(context, _INTERNAL)


def _is_grpc_control_flow(exc: Exception) -> bool:
    # context.abort() raises AbortError; it must reach gRPC untouched.
    return isinstance(exc, grpc.aio.BaseError)


# A method handler's behaviour; typed loosely because grpc's stubs describe the sync API here.
Behavior = Callable[[Any, Any], Any]


def _wrap_coroutine(behavior: Behavior) -> Behavior:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await behavior(request, context)
        except Exception as exc:
            if _is_grpc_control_flow(exc):
                raise
            await _abort_for(exc, context)

    return wrapped


def _wrap_async_generator(behavior: Behavior) -> Behavior:
    async def wrapped(
        request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        try:
            async for item in behavior(request, context):
                yield item
        except Exception as exc:
            if _is_grpc_control_flow(exc):
                raise
            await _abort_for(exc, context)

    return wrapped


def _wrap(behavior: Behavior) -> Behavior | None:
    """A wrapper of the same kind, since grpc.aio dispatches on it: a coroutine function (unary
    or ``context.write`` streaming) or an async generator function. Sync handlers are left alone."""
    if inspect.isasyncgenfunction(behavior):
        return _wrap_async_generator(behavior)
    if inspect.iscoroutinefunction(behavior):
        return _wrap_coroutine(behavior)
    return None


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Turns exceptions escaping a servicer into structured statuses (see the module docstring)."""

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        kinds = (
            ("unary_unary", grpc.unary_unary_rpc_method_handler),
            ("unary_stream", grpc.unary_stream_rpc_method_handler),
            ("stream_unary", grpc.stream_unary_rpc_method_handler),
            ("stream_stream", grpc.stream_stream_rpc_method_handler),
        )
        for attribute, make_handler in kinds:
            behavior = getattr(handler, attribute)
            if behavior is None:
                continue
            wrapped = _wrap(behavior)
            if wrapped is None:
                return handler
            new_handler: grpc.RpcMethodHandler[Any, Any] = make_handler(
                wrapped,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
            return new_handler
        return handler
