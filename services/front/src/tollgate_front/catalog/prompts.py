"""Prompts for common business questions: each tells the assistant which tools answer it."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from tollgate_front.runtime import FrontRuntime


def overdue_invoices(
    days: Annotated[str, Field(description="Only invoices overdue by more days.")] = "0",
) -> str:
    """Find customer invoices past their due date and summarize who owes what."""
    today = date.today().isoformat()
    threshold = days if days.isdigit() else "0"
    return (
        f"Today is {today}. List customer invoices that are overdue by more than {threshold} "
        "days. Use search_records on account.move with the domain "
        '[["move_type", "=", "out_invoice"], ["state", "=", "posted"], '
        '["payment_state", "in", ["not_paid", "partial"]], '
        f'["invoice_date_due", "<", "{today}"]] and fields name, partner_id, invoice_date_due, '
        "amount_residual, ordered by invoice_date_due. Then use aggregate_records with "
        'groupby ["partner_id"] and aggregates ["amount_residual:sum"] on the same domain for '
        "totals per customer. Answer with a short table (customer, invoices, amount due, oldest "
        "due date) and the grand total with its currency; link each invoice with its url."
    )


def pipeline_review(
    salesperson: Annotated[str, Field(description="Name of a salesperson, or empty.")] = "",
) -> str:
    """Review the CRM pipeline: open opportunities by stage, value and next steps."""
    who = f' and ["user_id.name", "ilike", "{salesperson}"]' if salesperson.strip() else ""
    return (
        "Review the sales pipeline. Use aggregate_records on crm.lead with domain "
        f'[["type", "=", "opportunity"], ["active", "=", true]]{who}, groupby ["stage_id"] '
        'and aggregates ["expected_revenue:sum"] for the value per stage. Then use '
        "search_records on crm.lead (same domain, order 'expected_revenue desc', limit 10) for "
        "the biggest deals, and point out deals without a next activity or past their deadline "
        "(date_deadline). End with three concrete next steps."
    )


def register_prompts(server: MCPServer[FrontRuntime]) -> None:
    server.prompt(name="overdue_invoices", title="Overdue invoices")(overdue_invoices)
    server.prompt(name="pipeline_review", title="Pipeline review")(pipeline_review)
