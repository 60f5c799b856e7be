"""The technical records that describe the database itself: ``ir.model`` and ``ir.model.fields``
reflect the registry, ``ir.module.module`` lists the installed apps."""

from __future__ import annotations

from dataclasses import dataclass

from tollgate_odoo_sim.orm.registry import Registry

from .bulk import BulkWriter


@dataclass(frozen=True)
class Module:
    name: str
    shortdesc: str
    summary: str
    application: bool
    sequence: int
    category: str
    depends: tuple[str, ...] = ()


MODULES: tuple[Module, ...] = (
    Module("base", "Base", "The kernel of Odoo, needed for all installation", False, 1, "Hidden"),
    Module("web", "Web", "Web client", False, 1, "Hidden", ("base",)),
    Module(
        "mail",
        "Discuss",
        "Chat, mail gateway and private channels",
        True,
        5,
        "Productivity",
        ("base",),
    ),
    Module(
        "contacts", "Contacts", "Centralize your address book", True, 150, "Sales/CRM", ("mail",)
    ),
    Module("uom", "Units of measure", "Units of measure", False, 100, "Sales", ("base",)),
    Module(
        "product",
        "Products & Pricelists",
        "Products and pricelists",
        False,
        35,
        "Sales",
        ("mail", "uom"),
    ),
    Module("sales_team", "Sales Teams", "Sales Teams", False, 100, "Sales", ("mail",)),
    Module(
        "account", "Invoicing", "Invoices & Payments", True, 10, "Accounting", ("product", "mail")
    ),
    Module(
        "sale", "Sales", "From quotations to invoices", True, 15, "Sales", ("sales_team", "account")
    ),
    Module("sale_management", "Sales", "From quotations to invoices", True, 15, "Sales", ("sale",)),
    Module(
        "crm",
        "CRM",
        "Track leads and close opportunities",
        True,
        15,
        "Sales",
        ("sales_team", "mail"),
    ),
    Module(
        "project", "Project", "Organize and plan your projects", True, 10, "Services", ("mail",)
    ),
)

REPORTS: tuple[tuple[str, str, str, str, str], ...] = (
    # xml id, name, model, report_name, print_report_name
    (
        "sale.action_report_saleorder",
        "Quotation / Order",
        "sale.order",
        "sale.report_saleorder",
        "(object.state in ('draft', 'sent') and 'Quotation - %s' % (object.name)) or "
        "'Order - %s' % (object.name)",
    ),
    (
        "account.account_invoices",
        "Invoices",
        "account.move",
        "account.report_invoice_with_payments",
        "(object._get_report_base_filename())",
    ),
    (
        "account.account_invoices_without_payment",
        "Invoices without Payment",
        "account.move",
        "account.report_invoice",
        "(object._get_report_base_filename())",
    ),
)


def load(registry: Registry) -> None:
    _load_models(registry)
    _load_modules(registry)
    _load_reports(registry)


def _load_models(registry: Registry) -> None:
    # about a thousand records whose every value is known: written in bulk, not one create each
    writer = BulkWriter(registry)
    for model_name in sorted(registry.models):
        cls = registry.models[model_name]
        if cls._abstract:
            continue
        table = model_name.replace(".", "_")
        module = registry.model_modules.get(model_name, "base")
        model_id = writer.insert(
            "ir.model",
            {
                "name": cls._description or model_name,
                "model": model_name,
                "state": "base",
                "transient": bool(cls._transient),
                "modules": module,
                "order": cls._order,
            },
        )
        registry.set_xmlid(registry.model_xmlid(model_name), "ir.model", model_id)
        for fname, field in cls._fields.items():
            field_id = writer.insert(
                "ir.model.fields",
                {
                    "name": fname,
                    "complete_name": f"{model_name}.{fname}",
                    "model": model_name,
                    "model_id": model_id,
                    "field_description": field.string or fname,
                    "help": field.help or False,
                    "ttype": field.type,
                    "relation": getattr(field, "comodel_name", "") or False,
                    "relation_field": getattr(field, "inverse_name", "") or False,
                    "required": field.required,
                    "readonly": field.readonly,
                    "store": field.store,
                    "index": bool(field.index),
                    "copied": field.copy,
                    "related": field.related or False,
                    "compute": field.compute if isinstance(field.compute, str) else False,
                    "state": "base",
                    "modules": module,
                },
            )
            registry.set_xmlid(f"{module}.field_{table}__{fname}", "ir.model.fields", field_id)
    writer.done()


def _load_modules(registry: Registry) -> None:
    version = f"{registry.version.series}.1.0"
    for module in MODULES:
        category_xmlid = f"base.module_category_{module.category.lower().replace('/', '_')}"
        if registry.xmlid_to_res(category_xmlid) is None:
            registry.load_records("ir.module.category", category_xmlid, {"name": module.category})
        category = registry.xmlid_to_res(category_xmlid)
        registry.load_records(
            "ir.module.module",
            f"base.module_{module.name}",
            {
                "name": module.name,
                "shortdesc": module.shortdesc,
                "summary": module.summary,
                "application": module.application,
                "sequence": module.sequence,
                "category_id": category[1] if category else False,
                "state": "installed",
                "latest_version": version,
                "installed_version": version,
                "website": "https://www.odoo.com",
                "license": "LGPL-3",
            },
        )


def _load_reports(registry: Registry) -> None:
    for xmlid, name, model, report_name, print_name in REPORTS:
        model_ref = registry.xmlid_to_res(registry.model_xmlid(model))
        model_id = model_ref[1] if model_ref else False
        registry.load_records(
            "ir.actions.report",
            xmlid,
            {
                "name": name,
                "model": model,
                "model_id": model_id,
                "report_type": "qweb-pdf",
                "report_name": report_name,
                "report_file": report_name,
                "print_report_name": print_name,
                "binding_model_id": model_id,
                "binding_type": "report",
            },
        )


__all__ = ["MODULES", "REPORTS", "load"]
