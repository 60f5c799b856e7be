import asyncio

import uvloop
from tollgate_common import event_loop


def test_runs_the_coroutine_on_uvloop_and_returns_its_result() -> None:
    async def main() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert event_loop.run(main()).startswith(uvloop.__name__)
