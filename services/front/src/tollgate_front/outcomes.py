"""Sending tool-call outcomes to policy in batches, off the calls' path.

A call adds its record and returns at once. Records go out together in one
``policy.RecordOutcomes`` when ``batch_size`` are waiting or ``delay`` seconds after the first one
arrived; one batch is in flight at a time, so under load the batches grow instead of the RPCs.
When policy cannot be reached the records wait and are sent again with a growing pause; at most
``max_pending`` wait, newer ones are dropped with an error (memory stays bounded). `drain` sends
what is left at shutdown.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque

from tollgate.v1 import policy_pb2, policy_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError, rpc_errors
from tollgate_common.observe import observe_audit_dropped

logger = logging.getLogger(__name__)

_RETRY_PAUSE_MAX = 5.0
# Policy takes at most this many records in one RecordOutcomes.
MAX_BATCH = 1000


class OutcomeRecorder:
    def __init__(
        self,
        policy: policy_pb2_grpc.PolicyServiceAsyncStub,
        *,
        timeout: float,
        batch_size: int = 100,
        delay: float = 0.05,
        max_pending: int = 10_000,
    ) -> None:
        self._policy = policy
        self._timeout = timeout
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}, not {batch_size}")
        self._batch_size = batch_size
        self._delay = delay
        self._max_pending = max_pending
        self._waiting: deque[policy_pb2.RecordOutcomeRequest] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task[None] | None = None
        self._in_flight = 0
        self._retry_pause = 0.0
        self._draining = False
        # Records lost since the last one that got through (reported once, not per record).
        self._dropped = 0
        self.dropped_total = 0

    def add(self, record: policy_pb2.RecordOutcomeRequest) -> None:
        """Queue ``record``; never blocks and never raises."""
        if len(self._waiting) >= self._max_pending:
            self._drop(1, "backlog_full", "too many outcome records wait for the policy service")
            return
        self._waiting.append(record)
        if self._sending is not None or self._retry_pause:
            return  # the batch in flight, or the retry timer, picks it up
        if len(self._waiting) >= self._batch_size:
            self._send_now()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._send_now)

    def _send_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._sending is None and self._waiting:
            # A fresh context: the batch belongs to no one call's trace (the timer that got here
            # runs in the context of whichever call started it).
            self._sending = asyncio.get_running_loop().create_task(
                self._send_batch(), context=contextvars.Context()
            )
            self._sending.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending = None
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.error("sending outcome records failed", exc_info=error)
            self._drop(self._in_flight, "not_taken", "outcome records lost")
        self._in_flight = 0
        if not self._waiting or self._draining:
            return
        if self._retry_pause:
            self._timer = asyncio.get_running_loop().call_later(self._retry_pause, self._send_now)
        elif len(self._waiting) >= self._batch_size:
            self._send_now()
        else:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._send_now)

    async def _send_batch(self) -> None:
        count = min(self._batch_size, len(self._waiting))
        batch = [self._waiting.popleft() for _ in range(count)]
        self._in_flight = count
        retry = await self._send(batch)
        self._in_flight = 0
        if retry:
            self._retry_pause = min(max(2 * self._retry_pause, self._delay, 0.05), _RETRY_PAUSE_MAX)
            room = self._max_pending - len(self._waiting)
            if room < len(retry):
                self._drop(
                    len(retry) - room,
                    "backlog_full",
                    "too many outcome records wait for the policy service",
                )
                retry = retry[:room]
            self._waiting.extendleft(reversed(retry))
            return
        self._retry_pause = 0.0
        if self._dropped:
            logger.error(
                "outcome records were lost while the policy service could not take them",
                extra={"dropped": self._dropped},
            )
            self._dropped = 0

    async def _send(
        self, batch: list[policy_pb2.RecordOutcomeRequest]
    ) -> list[policy_pb2.RecordOutcomeRequest]:
        """Send ``batch``; the records worth sending again (nothing was written for them)."""
        try:
            with rpc_errors("The policy service"):
                response = await self._policy.RecordOutcomes(
                    policy_pb2.RecordOutcomesRequest(records=batch), timeout=self._timeout
                )
        except TollgateError as error:
            if error.code is ErrorCode.UNAVAILABLE:
                return batch
            # A deadline may have passed after policy wrote the records: sending them again
            # could write them twice, so they are counted as lost instead.
            self._drop(
                len(batch), "not_taken", "the policy service did not take outcome records", error
            )
            return []
        retry = []
        for rejected in response.rejected:
            record = batch[rejected.index]
            if rejected.code == ErrorCode.UNAVAILABLE.value:
                retry.append(record)
                continue
            # The call itself is done; a lost audit line is an operator's problem, not the user's.
            logger.error(
                "could not record a tool call's outcome",
                extra={
                    "decision_id": record.decision_id,
                    "tool": record.call.tool,
                    "error": rejected.message,
                },
            )
        return retry

    def _drop(
        self,
        count: int,
        reason: str,
        why: str,
        error: TollgateError | None = None,
        *,
        always: bool = False,
    ) -> None:
        """Count ``count`` lost records (metric label ``reason``); logged when a streak of losses
        starts (the end of the streak reports its total), for every failed send, and with
        ``always``."""
        if count <= 0:
            return
        observe_audit_dropped(count, reason)
        if not self._dropped or error is not None or always:
            extra: dict[str, object] = {"dropped": count}
            if error is not None:
                extra["error"] = error.message
            logger.error(why, extra=extra)
        self._dropped += count
        self.dropped_total += count

    async def drain(self, grace: float) -> None:
        """Send every waiting record, for at most ``grace`` seconds; used at shutdown."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        self._draining = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        paused = False
        while self._sending is not None or self._waiting:
            left = deadline - loop.time()
            if left <= 0:
                break
            if self._sending is not None:
                await asyncio.wait({self._sending}, timeout=left)
            elif self._retry_pause and not paused:
                paused = True
                await asyncio.sleep(min(self._retry_pause, left))
            else:
                paused = False
                self._send_now()
        lost = len(self._waiting)
        if self._sending is not None:
            lost += self._in_flight
            self._sending.cancel()
            await asyncio.wait({self._sending})
        if lost:
            self._drop(lost, "shutdown", "outcome records not sent before shutdown", always=True)
            self._waiting.clear()
