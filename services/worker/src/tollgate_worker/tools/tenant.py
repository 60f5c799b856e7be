"""``describe_tenant``: what this Odoo offers the caller — version, apps, companies, currencies and
the user's own context. Backs the front's capabilities resource."""

from __future__ import annotations

from typing import Any, ClassVar

from tollgate_worker.tools.base import Tool, ToolArguments, ToolContext, ToolResult
from tollgate_worker.tools.reading import as_list


class DescribeTenantArguments(ToolArguments):
    pass


def _name(value: Any) -> Any:
    return value[1] if isinstance(value, list) and len(value) == 2 else None


class DescribeTenant(Tool[DescribeTenantArguments]):
    name: ClassVar[str] = "describe_tenant"
    operation: ClassVar[str] = "read"
    arguments = DescribeTenantArguments

    async def run(self, context: ToolContext, arguments: DescribeTenantArguments) -> ToolResult:
        session = context.session
        version = await session.client.version(deadline=session.deadline)
        protocol = await session.client.protocol(deadline=session.deadline)
        user = await session.user()
        profile = await session.profile()
        apps = as_list(
            await session.execute(
                "ir.module.module",
                "search_read",
                kwargs={
                    "domain": [["state", "=", "installed"], ["application", "=", True]],
                    "fields": ["name", "shortdesc"],
                    "order": "name",
                },
            ),
            "module search",
        )
        companies = as_list(
            await session.execute(
                "res.company",
                "search_read",
                kwargs={"domain": [], "fields": ["name", "currency_id"], "order": "id"},
            ),
            "company search",
        )
        currencies = as_list(
            await session.execute(
                "res.currency",
                "search_read",
                kwargs={"domain": [["active", "=", True]], "fields": ["name", "symbol"]},
            ),
            "currency search",
        )
        data = {
            "odoo_version": version.series,
            "protocol": protocol.name,
            "database": session.client.database,
            "apps": [{"name": a["name"], "title": a.get("shortdesc") or ""} for a in apps],
            "companies": [
                {"id": c["id"], "name": c["name"], "currency": _name(c.get("currency_id"))}
                for c in companies
            ],
            "currencies": [
                {"code": c["name"], "symbol": c.get("symbol") or ""} for c in currencies
            ],
            "user": {
                "uid": user.uid,
                "login": user.login,
                "name": profile.name,
                "lang": profile.lang,
                "tz": profile.tz,
                "company_id": profile.company_id,
                "company_ids": list(profile.company_ids),
            },
        }
        return ToolResult(data=data)
