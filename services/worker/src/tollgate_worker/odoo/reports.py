"""QWeb PDF reports, which Odoo serves only on its web routes (``/report/pdf/<report>/<ids>``).

No RPC method renders a report on Odoo 17, 18 or 19 (``ir.actions.report._render_qweb_pdf`` is
private, ``report_action`` only describes the action), and ``/report/pdf`` is an ``auth='user'``
route that wants a web session. Odoo opens a web session only for an interactive login, which
takes the password and refuses API keys (``res.users._check_credentials``). So the worker opens a
session with the caller's credential, downloads the PDF and closes the session at once (its cookie
lives only inside this call, never in the shared HTTP client); when the credential is an API key,
Odoo refuses the session and the caller gets :class:`ReportNeedsWebLogin`, which says why.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Sequence
from typing import Final
from urllib.parse import quote

from tollgate_common.errors import ErrorCode
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import (
    OdooAccessDenied,
    OdooAccessError,
    OdooError,
    OdooProtocolError,
    error_from_odoo,
)
from tollgate_worker.odoo.jsonrpc import call_json_route_with_cookies
from tollgate_worker.odoo.transport import OdooTransport

SESSION_COOKIE: Final = "session_id"


class ReportNeedsWebLogin(OdooError):
    """Odoo would not open the web session that its report route needs."""

    code = ErrorCode.ODOO_ERROR
    hint = (
        "Print the document from the Odoo web client, or connect Tollgate with the user's Odoo "
        "password instead of an API key; the record's data itself can be read with get_records."
    )


_API_KEY_REFUSED: Final = (
    "Odoo {series} renders PDF reports only for a logged-in web session, and it opens web "
    "sessions only with a password: it accepts this connection's API key for RPC calls, none "
    "of which can render a report."
)
_SECOND_FACTOR: Final = (
    "Odoo {series} opened no web session for this user because the login needs a second "
    "factor (two-factor authentication), and only a web session can render PDF reports."
)


async def render_pdf(
    transport: OdooTransport,
    database: str,
    *,
    login: str,
    api_key: str,
    report_name: str,
    ids: Sequence[int],
    deadline: Deadline,
    series: str,
) -> bytes:
    """The PDF of ``report_name`` for ``ids``, rendered with the user's own rights.

    ``series`` (the Odoo version) only words the error when Odoo refuses the web session.
    """
    try:
        info, cookies = await call_json_route_with_cookies(
            transport,
            "/web/session/authenticate",
            {"db": database, "login": login, "password": api_key},
            deadline=deadline,
            request_id=1,
        )
    except OdooAccessDenied as exc:
        # The same credential just passed an RPC call, so Odoo refuses it as an interactive
        # login: it is an API key.
        raise ReportNeedsWebLogin(
            _API_KEY_REFUSED.format(series=series), odoo_name=exc.odoo_name
        ) from None
    if isinstance(info, dict) and not info.get("uid"):
        # Odoo answers {"uid": None} to a password whose user must pass a second factor.
        raise ReportNeedsWebLogin(_SECOND_FACTOR.format(series=series))
    session = cookies.get(SESSION_COOKIE)
    if not session:
        raise OdooProtocolError("Odoo opened no web session for the report.")
    jar = {SESSION_COOKIE: session}
    try:
        path = f"/report/pdf/{quote(report_name, safe='.')}/{','.join(str(i) for i in ids)}"
        response = await transport.get(path, deadline=deadline, cookies=jar)
    finally:
        # The session expires on its own if closing fails; the report is what matters.
        with contextlib.suppress(OdooError):
            await call_json_route_with_cookies(
                transport, "/web/session/destroy", {}, deadline=deadline, request_id=1, cookies=jar
            )
    if response.status_code == 200 and response.content.startswith(b"%PDF"):
        return response.content
    if response.status_code in (303, 302):
        raise OdooAccessError("Odoo did not accept the web session for this report.")
    raise _report_error(response.status_code, response.text)


def _report_error(status: int, page: str) -> OdooError:
    text = _page_text(page)
    name = {
        403: "odoo.exceptions.AccessError",
        404: "odoo.exceptions.MissingError",
        400: "odoo.exceptions.UserError",
        422: "odoo.exceptions.UserError",
    }.get(status, "")
    return error_from_odoo(name, text or f"Odoo could not render the report (HTTP {status}).")


def _page_text(page: str) -> str:
    """The explanation paragraph of Odoo's HTML error page."""
    match = re.search(r"<p>(.*?)</p>", page, re.DOTALL)
    return html.unescape(match.group(1)).strip() if match else ""
