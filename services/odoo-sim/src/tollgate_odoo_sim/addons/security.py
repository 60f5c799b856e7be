"""Groups, model access rights and record rules, as data (Odoo's ``security/*.csv|xml``).

The ORM enforces them: it reads ``ir.model.access`` (per-group CRUD rights on a model) and
``ir.rule`` (domains restricting which records a user may see or change; global rules always
apply, group rules apply when the user belongs to one of their groups and are OR-ed together).
"""

from __future__ import annotations

from dataclasses import dataclass

from tollgate_odoo_sim.orm.registry import Registry


@dataclass(frozen=True)
class Group:
    xmlid: str
    name: str
    category: str  # xml id of the ir.module.category
    implied: tuple[str, ...] = ()
    share: bool = False
    comment: str = ""


CATEGORIES: dict[str, tuple[str, int]] = {
    "base.module_category_user_type": ("User types", 9),
    "base.module_category_administration_administration": ("Administration", 100),
    "base.module_category_usability": ("Extra Rights", 110),
    "base.module_category_sales_sales": ("Sales", 5),
    "base.module_category_accounting_accounting": ("Invoicing", 4),
    "base.module_category_services_project": ("Project", 15),
    "base.module_category_hidden": ("Technical", 0),
}

GROUPS: tuple[Group, ...] = (
    Group("base.group_user", "Internal User", "base.module_category_user_type"),
    Group("base.group_portal", "Portal", "base.module_category_user_type", share=True),
    Group("base.group_public", "Public", "base.module_category_user_type", share=True),
    Group(
        "base.group_partner_manager",
        "Contact Creation",
        "base.module_category_usability",
        comment="Create and edit contacts.",
    ),
    Group("base.group_multi_company", "Multi Companies", "base.module_category_hidden"),
    Group(
        "base.group_erp_manager",
        "Access Rights",
        "base.module_category_administration_administration",
        implied=("base.group_user",),
    ),
    Group(
        "base.group_system",
        "Settings",
        "base.module_category_administration_administration",
        implied=("base.group_erp_manager",),
    ),
    Group(
        "sales_team.group_sale_salesman",
        "User: Own Documents Only",
        "base.module_category_sales_sales",
        implied=("base.group_user",),
        comment="the user will have access to his own data in the sales application.",
    ),
    Group(
        "sales_team.group_sale_salesman_all_leads",
        "User: All Documents",
        "base.module_category_sales_sales",
        implied=("sales_team.group_sale_salesman",),
        comment="the user will have access to all records of everyone in the sales application.",
    ),
    Group(
        "sales_team.group_sale_manager",
        "Administrator",
        "base.module_category_sales_sales",
        implied=("sales_team.group_sale_salesman_all_leads",),
        comment="the user will have an access to the sales configuration as well as "
        "statistic reports.",
    ),
    Group(
        "account.group_account_readonly",
        "Read-only",
        "base.module_category_accounting_accounting",
        implied=("base.group_user",),
    ),
    Group(
        "account.group_account_invoice",
        "Billing",
        "base.module_category_accounting_accounting",
        implied=("base.group_user",),
    ),
    Group(
        "account.group_account_manager",
        "Administrator",
        "base.module_category_accounting_accounting",
        implied=("account.group_account_invoice", "account.group_account_readonly"),
    ),
    Group(
        "project.group_project_user",
        "User",
        "base.module_category_services_project",
        implied=("base.group_user",),
    ),
    Group(
        "project.group_project_manager",
        "Administrator",
        "base.module_category_services_project",
        implied=("project.group_project_user",),
    ),
    # Odoo has no global read-only role; the simulator's read-only demo user gets this group,
    # which grants read access to the business models and nothing else.
    Group(
        "tollgate_sim.group_business_readonly",
        "Business Read-only",
        "base.module_category_hidden",
        implied=("base.group_user",),
        comment="Tollgate simulator: read every business document, change nothing.",
    ),
)

USER = "base.group_user"
SYSTEM = "base.group_system"
ERP_MANAGER = "base.group_erp_manager"
PARTNER_MANAGER = "base.group_partner_manager"
SALESMAN = "sales_team.group_sale_salesman"
ALL_LEADS = "sales_team.group_sale_salesman_all_leads"
SALE_MANAGER = "sales_team.group_sale_manager"
INVOICE = "account.group_account_invoice"
ACCOUNT_READONLY = "account.group_account_readonly"
ACCOUNT_MANAGER = "account.group_account_manager"
PROJECT_USER = "project.group_project_user"
PROJECT_MANAGER = "project.group_project_manager"
READONLY = "tollgate_sim.group_business_readonly"

#: (model, group xml id or None for everyone, "rwcu" rights) — the CSV rows, one per line.
ACCESS: tuple[tuple[str, str | None, str], ...] = (
    # base
    ("res.partner", USER, "r"),
    ("res.partner", PARTNER_MANAGER, "rwcu"),
    ("res.partner.category", USER, "r"),
    ("res.partner.category", PARTNER_MANAGER, "rwcu"),
    ("res.company", USER, "r"),
    ("res.company", ERP_MANAGER, "rwcu"),
    ("res.users", USER, "r"),
    ("res.users", ERP_MANAGER, "rwcu"),
    ("res.groups", USER, "r"),
    ("res.groups", ERP_MANAGER, "rwcu"),
    ("res.country", None, "r"),
    ("res.country", SYSTEM, "rwcu"),
    ("res.currency", None, "r"),
    ("res.currency", SYSTEM, "rwcu"),
    ("ir.model", USER, "r"),
    ("ir.model", SYSTEM, "rwcu"),
    ("ir.model.fields", USER, "r"),
    ("ir.model.fields", SYSTEM, "rwcu"),
    ("ir.module.module", USER, "r"),
    ("ir.module.module", SYSTEM, "rwcu"),
    ("ir.module.category", USER, "r"),
    ("ir.module.category", SYSTEM, "rwcu"),
    ("ir.attachment", USER, "rwcu"),
    ("ir.actions.report", USER, "r"),
    ("ir.actions.report", SYSTEM, "rwcu"),
    ("ir.sequence", USER, "r"),
    ("ir.sequence", SYSTEM, "rwcu"),
    ("ir.model.access", USER, "r"),
    ("ir.model.access", SYSTEM, "rwcu"),
    ("ir.rule", USER, "r"),
    ("ir.rule", SYSTEM, "rwcu"),
    # mail
    ("mail.message", USER, "rwc"),
    ("mail.message", SYSTEM, "rwcu"),
    ("mail.message.subtype", USER, "r"),
    ("mail.message.subtype", SYSTEM, "rwcu"),
    ("mail.activity", USER, "rwcu"),
    ("mail.activity.type", USER, "r"),
    ("mail.activity.type", SYSTEM, "rwcu"),
    # product
    ("product.template", USER, "r"),
    ("product.template", SALE_MANAGER, "rwcu"),
    ("product.product", USER, "r"),
    ("product.product", SALE_MANAGER, "rwcu"),
    ("product.category", USER, "r"),
    ("product.category", SALE_MANAGER, "rwcu"),
    ("uom.uom", USER, "r"),
    ("uom.uom", SALE_MANAGER, "rwcu"),
    # sales_team
    ("crm.team", USER, "r"),
    ("crm.team", SALE_MANAGER, "rwcu"),
    ("crm.tag", USER, "r"),
    ("crm.tag", SALESMAN, "rwc"),
    ("crm.tag", SALE_MANAGER, "rwcu"),
    # account
    ("account.tax", USER, "r"),
    ("account.tax", ACCOUNT_MANAGER, "rwcu"),
    ("account.payment.term", USER, "r"),
    ("account.payment.term", ACCOUNT_MANAGER, "rwcu"),
    ("account.payment.term.line", USER, "r"),
    ("account.payment.term.line", ACCOUNT_MANAGER, "rwcu"),
    ("account.journal", INVOICE, "r"),
    ("account.journal", ACCOUNT_READONLY, "r"),
    ("account.journal", SALESMAN, "r"),
    ("account.journal", ACCOUNT_MANAGER, "rwcu"),
    ("account.account", INVOICE, "r"),
    ("account.account", ACCOUNT_READONLY, "r"),
    ("account.account", SALESMAN, "r"),
    ("account.account", ACCOUNT_MANAGER, "rwcu"),
    ("account.move", ACCOUNT_READONLY, "r"),
    ("account.move", INVOICE, "rwcu"),
    ("account.move", SALESMAN, "rwc"),
    ("account.move.line", ACCOUNT_READONLY, "r"),
    ("account.move.line", INVOICE, "rwcu"),
    ("account.move.line", SALESMAN, "rwc"),
    # sale
    ("sale.order", SALESMAN, "rwc"),
    ("sale.order", SALE_MANAGER, "rwcu"),
    ("sale.order", INVOICE, "rw"),
    ("sale.order.line", SALESMAN, "rwcu"),
    ("sale.order.line", INVOICE, "rw"),
    # crm
    ("crm.lead", SALESMAN, "rwc"),
    ("crm.lead", SALE_MANAGER, "rwcu"),
    ("crm.stage", USER, "r"),
    ("crm.stage", SALE_MANAGER, "rwcu"),
    ("crm.lost.reason", USER, "r"),
    ("crm.lost.reason", SALE_MANAGER, "rwcu"),
    # project
    ("project.project", PROJECT_USER, "r"),
    ("project.project", PROJECT_MANAGER, "rwcu"),
    ("project.task", PROJECT_USER, "rwcu"),
    ("project.task.type", PROJECT_USER, "r"),
    ("project.task.type", PROJECT_MANAGER, "rwcu"),
    ("project.tags", PROJECT_USER, "rwc"),
    ("project.tags", PROJECT_MANAGER, "rwcu"),
    # the read-only role
    *(
        (model, READONLY, "r")
        for model in (
            "sale.order",
            "sale.order.line",
            "account.move",
            "account.move.line",
            "account.journal",
            "account.account",
            "crm.lead",
            "project.project",
            "project.task",
            "project.task.type",
            "project.tags",
        )
    ),
)


@dataclass(frozen=True)
class Rule:
    xmlid: str
    name: str
    model: str
    domain: str
    groups: tuple[str, ...] = ()  # empty: a global rule
    rights: str = "rwcu"


_COMPANY_OR_SHARED = "['|', ('company_id', '=', False), ('company_id', 'in', company_ids)]"
_COMPANY_ONLY = "[('company_id', 'in', company_ids)]"
_OWN_OR_UNASSIGNED = "['|', ('user_id', '=', user.id), ('user_id', '=', False)]"
_CUSTOMER_INVOICES = "[('move_type', 'in', ('out_invoice', 'out_refund'))]"
_EVERYTHING = "[(1, '=', 1)]"

RULES: tuple[Rule, ...] = (
    # multi-company: a user sees only records of the companies currently allowed
    Rule(
        "base.res_partner_rule",
        "res.partner company",
        "res.partner",
        # contacts of internal users are visible across companies, as in Odoo
        "['|', '|', ('partner_share', '=', False), ('company_id', 'in', company_ids), "
        "('company_id', '=', False)]",
    ),
    Rule(
        "base.res_company_rule_employee",
        "company rule employee",
        "res.company",
        "[('id', 'in', company_ids)]",
        groups=(USER,),
    ),
    Rule(
        "base.res_users_rule",
        "user rule",
        "res.users",
        "['|', ('share', '=', False), ('company_ids', 'in', company_ids)]",
    ),
    Rule(
        "product.product_comp_rule",
        "Product multi-company",
        "product.template",
        _COMPANY_OR_SHARED,
    ),
    Rule(
        "product.product_variant_comp_rule",
        "Product Variant multi-company",
        "product.product",
        _COMPANY_OR_SHARED,
    ),
    Rule("sales_team.crm_team_rule", "Sales Team multi-company", "crm.team", _COMPANY_OR_SHARED),
    Rule("account.tax_comp_rule", "Tax multi-company", "account.tax", _COMPANY_ONLY),
    Rule("account.journal_comp_rule", "Journal multi-company", "account.journal", _COMPANY_ONLY),
    Rule("account.account_move_comp_rule", "Account Entry", "account.move", _COMPANY_ONLY),
    Rule("account.account_move_line_comp_rule", "Entry lines", "account.move.line", _COMPANY_ONLY),
    Rule("sale.sale_order_comp_rule", "Sales Order multi-company", "sale.order", _COMPANY_ONLY),
    Rule(
        "sale.sale_order_line_comp_rule",
        "Sales Order Line multi-company",
        "sale.order.line",
        _COMPANY_ONLY,
    ),
    Rule("crm.crm_lead_company_rule", "CRM Lead Multi-Company", "crm.lead", _COMPANY_OR_SHARED),
    Rule(
        "project.project_comp_rule",
        "Project: multi-company",
        "project.project",
        _COMPANY_OR_SHARED,
    ),
    Rule(
        "project.task_comp_rule", "Project/Task: multi-company", "project.task", _COMPANY_OR_SHARED
    ),
    # salespeople: own documents, or everything with "All Documents"
    Rule(
        "sale.sale_order_personal_rule",
        "Personal Orders",
        "sale.order",
        _OWN_OR_UNASSIGNED,
        groups=(SALESMAN,),
    ),
    Rule(
        "sale.sale_order_see_all",
        "All Orders",
        "sale.order",
        _EVERYTHING,
        groups=(ALL_LEADS,),
    ),
    Rule(
        "sale.sale_order_line_personal_rule",
        "Personal Order Lines",
        "sale.order.line",
        "['|', ('salesman_id', '=', user.id), ('salesman_id', '=', False)]",
        groups=(SALESMAN,),
    ),
    Rule(
        "sale.sale_order_line_see_all",
        "All Orders Lines",
        "sale.order.line",
        _EVERYTHING,
        groups=(ALL_LEADS,),
    ),
    Rule(
        "sale.account_invoice_rule_see_personal",
        "Personal Invoices",
        "account.move",
        "[('move_type', 'in', ('out_invoice', 'out_refund')), '|', "
        "('invoice_user_id', '=', user.id), ('invoice_user_id', '=', False)]",
        groups=(SALESMAN,),
    ),
    Rule(
        "sale.account_invoice_rule_see_all",
        "All Invoices",
        "account.move",
        _CUSTOMER_INVOICES,
        groups=(ALL_LEADS,),
    ),
    Rule(
        "sale.account_invoice_line_rule_see_personal",
        "Personal Invoice Lines",
        "account.move.line",
        "[('move_id.move_type', 'in', ('out_invoice', 'out_refund')), '|', "
        "('move_id.invoice_user_id', '=', user.id), ('move_id.invoice_user_id', '=', False)]",
        groups=(SALESMAN,),
    ),
    Rule(
        "sale.account_invoice_line_rule_see_all",
        "All Invoice Lines",
        "account.move.line",
        "[('move_id.move_type', 'in', ('out_invoice', 'out_refund'))]",
        groups=(ALL_LEADS,),
    ),
    Rule(
        "account.account_move_see_all",
        "All Journal Entries",
        "account.move",
        _EVERYTHING,
        groups=(INVOICE, ACCOUNT_READONLY),
    ),
    Rule(
        "account.account_move_line_see_all",
        "All Journal Items",
        "account.move.line",
        _EVERYTHING,
        groups=(INVOICE, ACCOUNT_READONLY),
    ),
    Rule(
        "crm.crm_rule_personal_lead",
        "Personal Leads",
        "crm.lead",
        _OWN_OR_UNASSIGNED,
        groups=(SALESMAN,),
    ),
    Rule("crm.crm_rule_all_lead", "All Leads", "crm.lead", _EVERYTHING, groups=(ALL_LEADS,)),
)


def _xmlid_name(xmlid: str) -> str:
    return xmlid.split(".", 1)[1]


def load(registry: Registry) -> None:
    """Create categories, groups, access rights and record rules (after ``ir.model`` exists)."""
    for xmlid, (name, sequence) in CATEGORIES.items():
        registry.load_records("ir.module.category", xmlid, {"name": name, "sequence": sequence})
    for group in GROUPS:
        registry.load_records(
            "res.groups",
            group.xmlid,
            {
                "name": group.name,
                "category_id": _ref(registry, group.category),
                "implied_ids": [(6, 0, [_ref(registry, xmlid) for xmlid in group.implied])],
                "share": group.share,
                "comment": group.comment or False,
            },
        )
    for model, group_xmlid, rights in ACCESS:
        suffix = _xmlid_name(group_xmlid) if group_xmlid else "all"
        table = model.replace(".", "_")
        module = registry.model_modules.get(model, "base")
        registry.load_records(
            "ir.model.access",
            f"{module}.access_{table}_{suffix}",
            {
                "name": f"{model} {suffix}",
                "model_id": _ref(registry, registry.model_xmlid(model)),
                "group_id": _ref(registry, group_xmlid) if group_xmlid else False,
                "perm_read": "r" in rights,
                "perm_write": "w" in rights,
                "perm_create": "c" in rights,
                "perm_unlink": "u" in rights,
            },
        )
    for rule in RULES:
        registry.load_records(
            "ir.rule",
            rule.xmlid,
            {
                "name": rule.name,
                "model_id": _ref(registry, registry.model_xmlid(rule.model)),
                "domain_force": rule.domain,
                "groups": [(6, 0, [_ref(registry, xmlid) for xmlid in rule.groups])],
                "perm_read": "r" in rule.rights,
                "perm_write": "w" in rule.rights,
                "perm_create": "c" in rule.rights,
                "perm_unlink": "u" in rule.rights,
            },
        )


def _ref(registry: Registry, xmlid: str) -> int:
    found = registry.xmlid_to_res(xmlid)
    if found is None:
        raise LookupError(f"security data refers to unknown xml id {xmlid!r}")
    return found[1]
