"""The worker's report download against the Odoo simulator (17.0, 18.0, 19.0).

Odoo renders PDFs only on its ``auth='user'`` web route and opens web sessions only for a
password: with an API key the worker must say so plainly, with a password it gets the PDF.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from tollgate_common.errors import ErrorCode
from tollgate_odoo_sim.addons.demo import DEMO_USERS
from tollgate_odoo_sim.testing import running_simulator
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import OdooAccessError
from tollgate_worker.odoo.reports import ReportNeedsWebLogin, render_pdf
from tollgate_worker.odoo.transport import OdooTransport

DEMO = next(user for user in DEMO_USERS if user.login == "demo")
ADMIN = next(user for user in DEMO_USERS if user.login == "admin")
REPORT = "sale.report_saleorder"


@pytest.fixture(scope="module", params=["17.0", "18.0", "19.0"])
def odoo(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with running_simulator(request.param) as url:
        yield request.param, url


@pytest.fixture
async def transport(odoo: tuple[str, str]) -> AsyncIterator[OdooTransport]:
    client = OdooTransport(odoo[1])
    try:
        yield client
    finally:
        await client.aclose()


async def _render(transport: OdooTransport, series: str, login: str, secret: str) -> bytes:
    return await render_pdf(
        transport,
        "odoo",
        login=login,
        api_key=secret,
        report_name=REPORT,
        ids=[1],
        deadline=Deadline(20.0),
        series=series,
    )


async def test_an_api_key_gets_a_plain_refusal(
    odoo: tuple[str, str], transport: OdooTransport
) -> None:
    series = odoo[0]
    with pytest.raises(ReportNeedsWebLogin) as raised:
        await _render(transport, series, ADMIN.login, ADMIN.api_key)
    error = raised.value.to_tollgate()
    assert error.code is ErrorCode.ODOO_ERROR
    assert f"Odoo {series}" in error.message
    assert "API key" in error.message
    assert "password" in (error.hint or "")
    assert ADMIN.api_key not in error.message


async def test_a_password_gets_the_pdf(odoo: tuple[str, str], transport: OdooTransport) -> None:
    pdf = await _render(transport, odoo[0], ADMIN.login, ADMIN.password)
    assert pdf.startswith(b"%PDF")


async def test_the_pdf_follows_the_users_rights(
    odoo: tuple[str, str], transport: OdooTransport
) -> None:
    # Order 1 belongs to another salesperson: Marc Demo's web session may not print it.
    with pytest.raises(OdooAccessError):
        await _render(transport, odoo[0], DEMO.login, DEMO.password)
