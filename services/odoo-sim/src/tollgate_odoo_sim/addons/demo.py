"""The demo database: users with fixed credentials, two companies and realistic business data.

Everything is deterministic: names come from fixed tables, choices from ``random.Random`` with a
fixed seed, and dates are computed from *today* so that overdue invoices stay overdue and
activities stay planned whatever day the simulator starts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tollgate_odoo_sim.orm import credentials
from tollgate_odoo_sim.orm.environment import SUPERUSER_ID
from tollgate_odoo_sim.orm.registry import Registry

from .demo_data import (
    CHICAGO_COMPANY,
    COMPANIES,
    COUNTRIES,
    CURRENCIES,
    CUSTOMERS,
    INDIVIDUALS,
    LEAD_NAMES,
    MAIN_COMPANY,
    PARTNER_TAGS,
    PRODUCTS,
    TASK_NAMES,
    UOMS,
)
from .security import (
    ACCOUNT_MANAGER,
    ERP_MANAGER,
    PARTNER_MANAGER,
    PROJECT_MANAGER,
    PROJECT_USER,
    READONLY,
    SALE_MANAGER,
    SALESMAN,
    SYSTEM,
    USER,
)


@dataclass(frozen=True)
class DemoUser:
    login: str
    password: str
    api_key: str
    name: str
    role: str
    company_xmlid: str
    xmlid: str
    groups: tuple[str, ...]
    company_xmlids: tuple[str, ...]


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        login="admin",
        password="admin",
        api_key="97b917615535a4a56ae296cf41f8be556dfb85fb",
        name="Mitchell Admin",
        role="administrator",
        company_xmlid=MAIN_COMPANY,
        xmlid="base.user_admin",
        groups=(
            USER,
            SYSTEM,
            ERP_MANAGER,
            PARTNER_MANAGER,
            "base.group_multi_company",
            SALE_MANAGER,
            ACCOUNT_MANAGER,
            PROJECT_MANAGER,
        ),
        company_xmlids=(MAIN_COMPANY, CHICAGO_COMPANY),
    ),
    DemoUser(
        login="demo",
        password="demo",
        api_key="ed02134c21378ca7660be10e1468fe26a03ab6f3",
        name="Marc Demo",
        role="salesperson",
        company_xmlid=MAIN_COMPANY,
        xmlid="base.user_demo",
        groups=(USER, PARTNER_MANAGER, SALESMAN, PROJECT_USER),
        company_xmlids=(MAIN_COMPANY,),
    ),
    DemoUser(
        login="viewer",
        password="viewer",
        api_key="2df347f81be40d8e85ecf444533dff73ddf418aa",
        name="Vera Viewer",
        role="read-only",
        company_xmlid=MAIN_COMPANY,
        xmlid="tollgate_sim.user_viewer",
        groups=(USER, READONLY),
        company_xmlids=(MAIN_COMPANY,),
    ),
    DemoUser(
        login="chicago",
        password="chicago",
        api_key="e8ea4688a678bbd8f872e8748bb61cb6e2607347",
        name="Jeffrey Kelly",
        role="salesperson (second company)",
        company_xmlid=CHICAGO_COMPANY,
        xmlid="tollgate_sim.user_chicago",
        groups=(USER, PARTNER_MANAGER, SALESMAN),
        company_xmlids=(CHICAGO_COMPANY,),
    ),
)


class DemoLoader:
    """Loads the demo database through the registry's data loading (as superuser)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.rng = random.Random(17)
        self.today = date.today()
        self.env = registry.env(SUPERUSER_ID, {"active_test": False, "tracking_disable": True})

    # -- helpers ---------------------------------------------------------------------------------

    def rec(self, model: str, xmlid: str | None, values: dict[str, Any]) -> int:
        return self.registry.load_records(model, xmlid, values)

    def ref(self, xmlid: str) -> int:
        found = self.registry.xmlid_to_res(xmlid)
        if found is None:
            raise LookupError(f"demo data refers to unknown xml id {xmlid!r}")
        return found[1]

    def _exists(self, xmlid: str) -> bool:
        return self.registry.xmlid_to_res(xmlid) is not None

    def as_user(self, xmlid: str) -> Any:
        """An environment acting as a demo user but bypassing rules (authorship, defaults)."""
        return self.registry.env(self.ref(xmlid), {"tracking_disable": True}, su=True)

    def days_ago(self, days: int, hour: int = 10) -> datetime:
        return datetime.combine(self.today - timedelta(days=days), time(hour, 0))

    # -- loading ---------------------------------------------------------------------------------

    def load(self) -> None:
        self.load_reference_data()
        self.load_companies_and_users()
        self.load_partners()
        self.load_products()
        self.load_accounting()
        self.load_sales()
        self.load_invoices()
        self.load_crm()
        self.load_projects()
        self.load_chatter()

    def load_reference_data(self) -> None:
        for code, name, symbol, position, rate, active, unit, subunit in CURRENCIES:
            self.rec(
                "res.currency",
                f"base.{code}",
                {
                    "name": code,
                    "full_name": name,
                    "symbol": symbol,
                    "position": position,
                    "rate": rate,
                    "active": active,
                    "rounding": 1.0 if code == "JPY" else 0.01,
                    "currency_unit_label": unit,
                    "currency_subunit_label": subunit,
                },
            )
        for code, name, phone, currency in COUNTRIES:
            self.rec(
                "res.country",
                f"base.{code.lower()}",
                {
                    "name": name,
                    "code": code,
                    "phone_code": phone,
                    "currency_id": self.ref(f"base.{currency}"),
                },
            )
        self.rec(
            "ir.sequence",
            "sale.seq_sale_order",
            {"name": "Sales Order", "code": "sale.order", "prefix": "S", "padding": 5},
        )
        for xmlid, name, rounding, factor in UOMS:
            self.rec("uom.uom", xmlid, {"name": name, "rounding": rounding, "factor": factor})
        for xmlid, name, internal, sequence in (
            ("mail.mt_comment", "Discussions", False, 0),
            ("mail.mt_note", "Note", True, 100),
            ("mail.mt_activities", "Activities", True, 90),
        ):
            self.rec(
                "mail.message.subtype",
                xmlid,
                {"name": name, "internal": internal, "sequence": sequence},
            )
        for xmlid, name, icon, category, delay in (
            ("mail.mail_activity_data_email", "Email", "fa-envelope", "default", 0),
            ("mail.mail_activity_data_call", "Call", "fa-phone", "phonecall", 2),
            ("mail.mail_activity_data_meeting", "Meeting", "fa-users", "default", 0),
            ("mail.mail_activity_data_todo", "To-Do", "fa-check", "default", 5),
            ("mail.mail_activity_data_upload_document", "Document", "fa-upload", "upload_file", 5),
        ):
            self.rec(
                "mail.activity.type",
                xmlid,
                {"name": name, "icon": icon, "category": category, "delay_count": delay},
            )

    def load_companies_and_users(self) -> None:
        # Created in Odoo's order, so ids match a fresh Odoo: company 1, OdooBot (user 1,
        # partner 2), the administrator (user 2, partner 3), then the second company.
        main = self._load_company(*COMPANIES[0])
        bot_partner = self.rec(
            "res.partner",
            "base.partner_root",
            {
                "name": "OdooBot",
                "email": "odoobot@example.com",
                "active": False,
                "company_id": main,
            },
        )
        self.rec(
            "res.users",
            "base.user_root",
            {
                "partner_id": bot_partner,
                "login": "__system__",
                "active": False,
                "company_id": main,
                "company_ids": [(6, 0, [main])],
                self._groups_field(): [(6, 0, [self.ref(USER), self.ref(SYSTEM)])],
            },
        )
        admin, *others = DEMO_USERS
        self.load_user(admin)
        chicago = self._load_company(*COMPANIES[1])
        for xmlid in ("base.user_root", admin.xmlid):
            self.rec("res.users", xmlid, {"company_ids": [(6, 0, [main, chicago])]})
        for user in others:
            self.load_user(user)

    def _load_company(
        self, xmlid: str, partner_xmlid: str, name: str, street: str, city: str, zipcode: str,
        email: str, phone: str, sequence: int,
    ) -> int:  # fmt: skip
        us, usd = self.ref("base.us"), self.ref("base.USD")
        address = {"street": street, "city": city, "zip": zipcode, "country_id": us}
        contact = {"email": email, "phone": phone, "website": "http://www.example.com"}
        partner = self.rec(
            "res.partner", partner_xmlid, {"name": name, "is_company": True, **address, **contact}
        )
        company = self.rec(
            "res.company",
            xmlid,
            {
                "name": name,
                "partner_id": partner,
                "currency_id": usd,
                "sequence": sequence,
                **address,
                **contact,
            },
        )
        self.rec("res.partner", partner_xmlid, {"company_id": company})
        return company

    def _groups_field(self) -> str:
        return (
            "group_ids"
            if "group_ids" in self.registry.models["res.users"]._fields
            else ("groups_id")
        )

    def load_user(self, user: DemoUser) -> int:
        company = self.ref(user.company_xmlid)
        domain = "yourcompany.example.com"
        partner = self.rec(
            "res.partner",
            user.xmlid.replace(".user_", ".partner_"),
            {
                "name": user.name,
                "email": f"{user.login}@{domain}",
                "company_id": company,
                "tz": "America/Chicago" if user.login == "chicago" else "Europe/Brussels",
            },
        )
        uid = self.rec(
            "res.users",
            user.xmlid,
            {
                "partner_id": partner,
                "login": user.login,
                "company_id": company,
                "company_ids": [
                    (6, 0, [self.ref(x) for x in user.company_xmlids if self._exists(x)])
                ],
                self._groups_field(): [(6, 0, [self.ref(group) for group in user.groups])],
                "signature": f"<p>{user.name}</p>",
            },
        )
        set_credentials(self.registry, uid, user.password, user.api_key)
        return uid

    def load_partners(self) -> None:
        for xmlid, name, color in PARTNER_TAGS:
            self.rec("res.partner.category", f"base.{xmlid}", {"name": name, "color": color})
        chicago = self.ref(CHICAGO_COMPANY)
        salespeople = [self.ref("base.user_admin"), self.ref("base.user_demo"), False]
        for index, (head, contacts) in enumerate(CUSTOMERS):
            xmlid, name, city, zipcode, street, country, domain, tag, flag = head
            company_id = chicago if flag == "chicago" else False
            parent = self.rec(
                "res.partner",
                f"base.{xmlid}",
                {
                    "name": name,
                    "is_company": True,
                    "street": street,
                    "city": city,
                    "zip": zipcode,
                    "country_id": self.ref(f"base.{country.lower()}"),
                    "email": f"info@{domain}",
                    "phone": f"+1 555-{100 + index:03d}-{1000 + index * 37:04d}",
                    "website": f"https://{domain}",
                    "category_id": [(6, 0, [self.ref(f"base.{tag}")])],
                    "company_id": company_id,
                    "user_id": (
                        self.ref("tollgate_sim.user_chicago")
                        if flag == "chicago"
                        else salespeople[index % len(salespeople)]
                    ),
                    "vat": f"US{47000 + index * 113:08d}" if country == "US" else False,
                    "customer_rank": 1,
                    "ref": f"C{index + 1:04d}",
                    "active": flag != "archived",
                },
            )
            for position, (contact, function) in enumerate(contacts):
                first = contact.split()[0].lower()
                self.rec(
                    "res.partner",
                    f"base.{xmlid}_contact_{position + 1}",
                    {
                        "name": contact,
                        "parent_id": parent,
                        "function": function,
                        "email": f"{first}@{domain}",
                        "phone": f"+1 555-{200 + index:03d}-{2000 + position * 11:04d}",
                        "country_id": self.ref(f"base.{country.lower()}"),
                        "city": city,
                        "company_id": company_id,
                        "active": flag != "archived",
                    },
                )
        for xmlid, name, city, country, flag in INDIVIDUALS:
            first, last = name.split()[0].lower(), name.split()[-1].lower()
            self.rec(
                "res.partner",
                f"base.{xmlid}",
                {
                    "name": name,
                    "city": city,
                    "country_id": self.ref(f"base.{country.lower()}"),
                    "email": f"{first}.{last}@example.net",
                    "company_id": chicago if flag == "chicago" else False,
                    "active": flag != "archived",
                    "customer_rank": 1,
                },
            )

    def load_products(self) -> None:
        all_categ = self.rec("product.category", "product.product_category_all", {"name": "All"})
        saleable = self.rec(
            "product.category",
            "product.product_category_1",
            {"name": "Saleable", "parent_id": all_categ},
        )
        furniture = self.rec(
            "product.category",
            "product.product_category_5",
            {"name": "Office Furniture", "parent_id": saleable},
        )
        services = self.rec(
            "product.category",
            "product.product_category_3",
            {"name": "Services", "parent_id": all_categ},
        )
        uom = {
            "unit": "uom.product_uom_unit",
            "hour": "uom.product_uom_hour",
            "day": "uom.product_uom_day",
        }
        for xmlid, name, code, kind, price, cost, unit, flag in PRODUCTS:
            template = self.rec(
                "product.template",
                f"product.{xmlid}_product_template",
                {
                    "name": name,
                    "default_code": code or False,
                    "type": kind,
                    "list_price": price,
                    "standard_price": cost,
                    "uom_id": self.ref(uom[unit]),
                    "categ_id": services if kind == "service" else furniture,
                    "company_id": self.ref(CHICAGO_COMPANY) if flag == "chicago" else False,
                    "description_sale": f"{name}, from our catalogue.",
                    "currency_id": self.ref("base.USD"),
                },
            )
            self.rec(
                "product.product",
                f"product.{xmlid}",
                {"product_tmpl_id": template, "default_code": code or False},
            )

    def load_accounting(self) -> None:
        for xmlid, name, days in (
            ("account.account_payment_term_immediate", "Immediate Payment", (0,)),
            ("account.account_payment_term_15days", "15 Days", (15,)),
            ("account.account_payment_term_30days", "30 Days", (30,)),
            ("account.account_payment_term_45days", "45 Days", (45,)),
            (
                "account.account_payment_term_30days_early_discount",
                "30% Now, Balance 60 Days",
                (0, 60),
            ),
        ):
            shares = [100.0] if len(days) == 1 else [30.0, 70.0]
            self.rec(
                "account.payment.term",
                xmlid,
                {
                    "name": name,
                    "note": f"<p>Payment terms: {name}</p>",
                    "line_ids": [
                        (0, 0, {"value": "percent", "value_amount": share, "nb_days": day})
                        for share, day in zip(shares, days, strict=True)
                    ],
                },
            )
        shared_accounts = self.registry.version.major >= 18
        for index, company_xmlid in enumerate((MAIN_COMPANY, CHICAGO_COMPANY), start=1):
            company = self.ref(company_xmlid)
            tax = self.rec(
                "account.tax",
                f"account.{index}_sale_tax_template",
                {
                    "name": "15%",
                    "amount": 15.0,
                    "type_tax_use": "sale",
                    "company_id": company,
                    "description": "15%",
                },
            )
            self.rec("res.company", company_xmlid, {"account_sale_tax_id": tax})
            for code, name, kind in (
                ("121000", "Account Receivable", "asset_receivable"),
                ("400000", "Product Sales", "income"),
                ("101401", "Bank", "asset_cash"),
            ):
                owner = (
                    {"company_ids": [(6, 0, [company])]}
                    if shared_accounts
                    else {"company_id": company}
                )
                self.rec(
                    "account.account",
                    f"account.{index}_account_{code}",
                    {
                        "name": name,
                        "code": code,
                        "account_type": kind,
                        "reconcile": kind == "asset_receivable",
                        **owner,
                    },
                )
            for code, name, kind, account in (
                ("INV", "Customer Invoices", "sale", "400000"),
                ("BILL", "Vendor Bills", "purchase", "400000"),
                ("BNK1", "Bank", "bank", "101401"),
                ("MISC", "Miscellaneous Operations", "general", "400000"),
            ):
                self.rec(
                    "account.journal",
                    f"account.{index}_journal_{code.lower()}",
                    {
                        "name": name,
                        "code": code,
                        "type": kind,
                        "company_id": company,
                        "default_account_id": self.ref(f"account.{index}_account_{account}"),
                    },
                )
        self.rec(
            "product.pricelist",
            "product.list0",
            {"name": "Public Pricelist", "currency_id": self.ref("base.USD"), "sequence": 1},
        )
        self.rec(
            "crm.team",
            "sales_team.team_sales_department",
            {
                "name": "Sales",
                "sequence": 0,
                "company_id": self.ref(MAIN_COMPANY),
                "user_id": self.ref("base.user_admin"),
                "member_ids": [(6, 0, [self.ref("base.user_admin"), self.ref("base.user_demo")])],
            },
        )
        self.rec(
            "crm.team",
            "sales_team.crm_team_1",
            {
                "name": "Pre-Sales",
                "sequence": 5,
                "company_id": self.ref(MAIN_COMPANY),
                "user_id": self.ref("base.user_demo"),
            },
        )
        self.rec(
            "crm.team",
            "sales_team.crm_team_chicago",
            {
                "name": "Chicago Sales",
                "sequence": 10,
                "company_id": self.ref(CHICAGO_COMPANY),
                "user_id": self.ref("tollgate_sim.user_chicago"),
                "member_ids": [(6, 0, [self.ref("tollgate_sim.user_chicago")])],
            },
        )
        for xmlid, name, color in (
            ("sales_team.categ_oppor1", "Product", 1),
            ("sales_team.categ_oppor2", "Software", 2),
            ("sales_team.categ_oppor3", "Services", 3),
            ("sales_team.categ_oppor4", "Information", 4),
            ("sales_team.categ_oppor5", "Design", 5),
            ("sales_team.categ_oppor6", "Training", 6),
            ("sales_team.categ_oppor7", "Consulting", 7),
            ("sales_team.categ_oppor8", "Other", 8),
        ):
            self.rec("crm.tag", xmlid, {"name": name, "color": color})

    # -- documents -------------------------------------------------------------------------------

    def _customers(self, company_xmlid: str) -> list[int]:
        partners = self.env["res.partner"].search(
            [("is_company", "=", True), ("customer_rank", ">", 0), ("active", "=", True)],
            order="id",
        )
        main_only = company_xmlid == MAIN_COMPANY
        chicago = self.ref(CHICAGO_COMPANY)
        return [p.id for p in partners if (p.company_id.id == chicago) != main_only]

    def _products(self, company_xmlid: str) -> list[Any]:
        products = self.env["product.product"].search([], order="id")
        chicago = self.ref(CHICAGO_COMPANY)
        return [
            p
            for p in products
            if not p.company_id or (company_xmlid == CHICAGO_COMPANY and p.company_id.id == chicago)
        ]

    def load_sales(self) -> None:
        plan = (
            # company, salesperson xml id (None: unassigned), state, days ago
            *(
                (MAIN_COMPANY, "base.user_admin", state, days)
                for state, days in (
                    ("sale", 40),
                    ("sale", 33),
                    ("draft", 2),
                    ("sent", 6),
                    ("cancel", 20),
                    ("sale", 12),
                    ("draft", 1),
                )
            ),
            *(
                (MAIN_COMPANY, "base.user_demo", state, days)
                for state, days in (
                    ("sale", 45),
                    ("sale", 28),
                    ("sale", 9),
                    ("draft", 3),
                    ("sent", 5),
                    ("cancel", 15),
                    ("draft", 0),
                )
            ),
            (MAIN_COMPANY, None, "draft", 4),
            (MAIN_COMPANY, None, "sent", 8),
            *(
                (CHICAGO_COMPANY, "tollgate_sim.user_chicago", state, days)
                for state, days in (
                    ("sale", 38),
                    ("sale", 21),
                    ("draft", 2),
                    ("sent", 7),
                    ("cancel", 11),
                    ("sale", 5),
                )
            ),
            (CHICAGO_COMPANY, "base.user_admin", "sale", 26),
            (CHICAGO_COMPANY, None, "draft", 1),
        )
        term_30 = self.ref("account.account_payment_term_30days")
        tags = [self.ref(f"sales_team.categ_oppor{n}") for n in (1, 3, 5)]
        for index, (company_xmlid, user_xmlid, state, days) in enumerate(plan, start=1):
            customers = self._customers(company_xmlid)
            products = self._products(company_xmlid)
            tax = self.env["res.company"].browse(self.ref(company_xmlid)).account_sale_tax_id
            lines = []
            for product in self.rng.sample(products, k=1 + index % 3):
                qty = float(self.rng.choice((1, 2, 3, 5, 8, 10)))
                lines.append(
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "name": product.display_name,
                            "product_uom_qty": qty,
                            "price_unit": product.list_price,
                            "discount": 10.0 if index % 7 == 0 else 0.0,
                            self._line_tax_field(): [(6, 0, tax.ids)],
                            self._line_uom_field(): product.uom_id.id,
                        },
                    )
                )
            team = (
                "sales_team.crm_team_chicago"
                if company_xmlid == CHICAGO_COMPANY
                else "sales_team.team_sales_department"
            )
            when = self.days_ago(days, hour=9 + index % 8)
            order_id = self.rec(
                "sale.order",
                f"sale.sale_order_{index}",
                {
                    "partner_id": customers[index % len(customers)],
                    "company_id": self.ref(company_xmlid),
                    "user_id": self.ref(user_xmlid) if user_xmlid else False,
                    "team_id": self.ref(team),
                    "date_order": when,
                    "validity_date": (when + timedelta(days=30)).date(),
                    "payment_term_id": term_30 if index % 2 else False,
                    "pricelist_id": self.ref("product.list0"),
                    "client_order_ref": f"PO-{4400 + index * 7}" if index % 3 == 0 else False,
                    "tag_ids": [(6, 0, [tags[index % len(tags)]])] if index % 4 == 0 else [],
                    "order_line": lines,
                    "note": "<p>Payment terms: 30 days. Prices in USD.</p>",
                },
            )
            order = self.env["sale.order"].browse(order_id)
            if state == "sent":
                order.action_quotation_sent()
            elif state == "sale":
                order.action_confirm()
                order.write({"date_order": when})
            elif state == "cancel":
                order.with_context(disable_cancel_warning=True).action_cancel()

    def _line_tax_field(self) -> str:
        return "tax_ids" if self.registry.version.major >= 19 else "tax_id"

    def _line_uom_field(self) -> str:
        return "product_uom_id" if self.registry.version.major >= 19 else "product_uom"

    def load_invoices(self) -> None:
        """Invoice most confirmed orders, post them and pay some, fully or partly."""
        confirmed = self.env["sale.order"].search([("state", "=", "sale")], order="id")
        for position, order in enumerate(confirmed):
            if position % 6 == 5:
                continue  # left "to invoice"
            invoice = order._create_invoices()
            age = (self.today - order.date_order.date()).days
            invoice.write(
                {
                    "invoice_date": self.today - timedelta(days=max(age - 1, 0)),
                    "date": self.today - timedelta(days=max(age - 1, 0)),
                }
            )
            if position % 5 == 4:
                continue  # stays a draft
            invoice.action_post()
            if position % 4 == 0:
                invoice._register_payment(invoice.amount_total)
            elif position % 4 == 1:
                invoice._register_payment(round(invoice.amount_total / 3, 2))
        # invoices without an order: services billed directly, some long overdue
        customers = self._customers(MAIN_COMPANY)
        service = self.env["product.product"].browse(self.ref("product.product_product_1"))
        tax = self.env["res.company"].browse(self.ref(MAIN_COMPANY)).account_sale_tax_id
        for index in range(8):
            invoice_date = self.today - timedelta(days=15 + index * 12)
            move_id = self.rec(
                "account.move",
                f"account.demo_invoice_{index + 1}",
                {
                    "move_type": "out_invoice",
                    "partner_id": customers[(index * 3) % len(customers)],
                    "journal_id": self.ref("account.1_journal_inv"),
                    "company_id": self.ref(MAIN_COMPANY),
                    "currency_id": self.ref("base.USD"),
                    "invoice_date": invoice_date,
                    "date": invoice_date,
                    "invoice_user_id": self.ref(
                        "base.user_demo" if index % 2 else "base.user_admin"
                    ),
                    "invoice_payment_term_id": self.ref(
                        "account.account_payment_term_15days"
                        if index % 3
                        else "account.account_payment_term_30days"
                    ),
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": service.id,
                                "name": f"{service.name} — {8 + index * 4} hours",
                                "quantity": float(8 + index * 4),
                                "price_unit": service.list_price,
                                "tax_ids": [(6, 0, tax.ids)],
                                "product_uom_id": service.uom_id.id,
                            },
                        )
                    ],
                },
            )
            if index == 7:
                continue
            move = self.env["account.move"].browse(move_id)
            move.action_post()
            if index in (0, 3):
                move._register_payment(move.amount_total)
            elif index == 5:
                move._register_payment(100.0)

    def load_crm(self) -> None:
        for xmlid, name, sequence, is_won, fold in (
            ("crm.stage_lead1", "New", 1, False, False),
            ("crm.stage_lead2", "Qualified", 2, False, False),
            ("crm.stage_lead3", "Proposition", 3, False, False),
            ("crm.stage_lead4", "Won", 70, True, True),
        ):
            self.rec(
                "crm.stage",
                xmlid,
                {"name": name, "sequence": sequence, "is_won": is_won, "fold": fold},
            )
        for xmlid, name in (
            ("crm.lost_reason_1", "Too expensive"),
            ("crm.lost_reason_2", "We don't have people/skills"),
            ("crm.lost_reason_3", "Not enough stock"),
        ):
            self.rec("crm.lost.reason", xmlid, {"name": name})
        stages = ["crm.stage_lead1", "crm.stage_lead2", "crm.stage_lead3", "crm.stage_lead4"]
        probability = {
            "crm.stage_lead1": 10.0,
            "crm.stage_lead2": 30.0,
            "crm.stage_lead3": 60.0,
            "crm.stage_lead4": 100.0,
        }
        owners = ["base.user_admin", "base.user_demo", "base.user_demo", None]
        for index, name in enumerate(LEAD_NAMES, start=1):
            chicago = index in (18, 19, 20)
            company_xmlid = CHICAGO_COMPANY if chicago else MAIN_COMPANY
            customers = self._customers(company_xmlid)
            stage = stages[index % len(stages)]
            owner = "tollgate_sim.user_chicago" if chicago else owners[index % len(owners)]
            partner = self.env["res.partner"].browse(customers[index % len(customers)])
            is_lead = index % 9 == 0
            values: dict[str, Any] = {
                "name": name,
                "type": "lead" if is_lead else "opportunity",
                "partner_id": False if is_lead else partner.id,
                "partner_name": partner.name,
                "contact_name": partner.child_ids[:1].name or False,
                "email_from": partner.child_ids[:1].email or partner.email,
                "phone": partner.phone,
                "city": partner.city,
                "country_id": partner.country_id.id,
                "company_id": self.ref(company_xmlid),
                "user_id": self.ref(owner) if owner else False,
                "team_id": self.ref(
                    "sales_team.crm_team_chicago" if chicago else "sales_team.team_sales_department"
                ),
                "stage_id": self.ref(stage),
                "probability": probability[stage],
                "expected_revenue": float(
                    self.rng.choice((1500, 4500, 8000, 12000, 25000, 40000, 90000))
                ),
                "priority": str(index % 4),
                "date_deadline": self.today + timedelta(days=(index % 6) * 9 - 10),
                "tag_ids": [(6, 0, [self.ref(f"sales_team.categ_oppor{1 + index % 8}")])],
                "description": f"<p>{name}: first contact {30 + index} days ago.</p>",
            }
            if stage == "crm.stage_lead4":
                values["date_closed"] = self.days_ago(index)
            lead_id = self.rec("crm.lead", f"crm.crm_case_{index}", values)
            if index in (7, 14):
                self.env["crm.lead"].browse(lead_id).action_set_lost(
                    lost_reason_id=self.ref("crm.lost_reason_1")
                )

    def load_projects(self) -> None:
        stage_ids = [
            self.rec(
                "project.task.type",
                f"project.project_stage_{n}",
                {"name": name, "sequence": n, "fold": fold},
            )
            for n, name, fold in (
                (0, "New", False),
                (1, "In Progress", False),
                (2, "Done", True),
                (3, "Cancelled", True),
            )
        ]
        for xmlid, name in (
            ("project.project_tags_00", "Bug"),
            ("project.project_tags_01", "New Feature"),
            ("project.project_tags_02", "Experiment"),
            ("project.project_tags_03", "Usability"),
        ):
            self.rec("project.tags", xmlid, {"name": name})
        projects: tuple[tuple[str, str, str, str | None, str], ...] = (
            (
                "project.project_project_1",
                "Office Design",
                MAIN_COMPANY,
                "base.res_partner_12",
                "base.user_admin",
            ),
            (
                "project.project_project_2",
                "Research & Development",
                MAIN_COMPANY,
                None,
                "base.user_demo",
            ),
            (
                "project.project_project_3",
                "Chicago Showroom Renovation",
                CHICAGO_COMPANY,
                "base.res_partner_chi_1",
                "base.user_admin",
            ),
        )
        deadline_is_datetime = self.registry.version.major >= 18
        task_number = 0
        for p_index, (xmlid, name, company_xmlid, partner_xmlid, manager) in enumerate(projects):
            project = self.rec(
                "project.project",
                xmlid,
                {
                    "name": name,
                    "company_id": self.ref(company_xmlid),
                    "partner_id": self.ref(partner_xmlid) if partner_xmlid else False,
                    "user_id": self.ref(manager),
                    "type_ids": [(6, 0, stage_ids)],
                    "date_start": self.today - timedelta(days=60 - p_index * 10),
                    "date": self.today + timedelta(days=90 + p_index * 30),
                    "privacy_visibility": "employees",
                    "last_update_status": ("on_track", "at_risk", "on_track")[p_index],
                },
            )
            for offset in range(6 if p_index < 2 else 4):
                task_number += 1
                name_ = TASK_NAMES[(task_number - 1) % len(TASK_NAMES)]
                stage_position = offset % 4
                assignees = (
                    [self.ref("base.user_demo")] if offset % 2 else [self.ref("base.user_admin")]
                )
                if company_xmlid == CHICAGO_COMPANY:
                    assignees = [self.ref("base.user_admin")]
                deadline: Any = self.today + timedelta(days=offset * 5 - 7)
                if deadline_is_datetime:
                    deadline = datetime.combine(deadline, time(17, 0))
                self.rec(
                    "project.task",
                    f"project.project_task_{task_number}",
                    {
                        "name": name_,
                        "project_id": project,
                        "stage_id": stage_ids[stage_position],
                        "state": ("01_in_progress", "02_changes_requested", "1_done", "1_canceled")[
                            stage_position
                        ],
                        "user_ids": [(6, 0, assignees)],
                        "priority": "1" if offset == 0 else "0",
                        "date_deadline": deadline,
                        "company_id": self.ref(company_xmlid),
                        "allocated_hours": float(4 + offset * 6),
                        "sequence": offset,
                        "tag_ids": [(6, 0, [self.ref(f"project.project_tags_0{offset % 4}")])],
                        "description": f"<p>{name_} for {name}.</p>",
                    },
                )

    def load_chatter(self) -> None:
        admin = self.as_user("base.user_admin")
        demo = self.as_user("base.user_demo")
        for xmlid, env, body, kind in (
            ("sale.sale_order_1", admin, "Customer confirmed the delivery address.", "comment"),
            ("sale.sale_order_1", demo, "Delivery planned next week.", "comment"),
            (
                "sale.sale_order_3",
                admin,
                "Quotation prepared, waiting for the customer.",
                "notification",
            ),
            ("sale.sale_order_9", demo, "The customer asked for a 10% discount.", "comment"),
            ("crm.crm_case_1", admin, "Called the customer: very interested.", "comment"),
            ("crm.crm_case_2", demo, "Sent the catalogue by email.", "comment"),
            ("crm.crm_case_5", demo, "Meeting went well, proposal to follow.", "comment"),
            ("project.project_task_1", admin, "Layout approved by the customer.", "comment"),
            ("base.res_partner_12", admin, "Prefers to be contacted by email.", "comment"),
        ):
            model, res_id = self._xmlid(xmlid)
            env[model].browse(res_id).message_post(
                body=f"<p>{body}</p>",
                message_type=kind,
                subtype_xmlid="mail.mt_comment" if kind == "comment" else "mail.mt_note",
            )
        for xmlid, env, act_type, days, summary in (
            (
                "sale.sale_order_3",
                admin,
                "mail.mail_activity_data_call",
                2,
                "Follow up on the quotation",
            ),
            (
                "sale.sale_order_11",
                demo,
                "mail.mail_activity_data_email",
                -3,
                "Send the revised quotation",
            ),
            ("crm.crm_case_1", admin, "mail.mail_activity_data_meeting", 5, "Product demo"),
            ("crm.crm_case_2", demo, "mail.mail_activity_data_call", 0, "Call back"),
            ("crm.crm_case_6", demo, "mail.mail_activity_data_todo", -1, "Prepare the offer"),
            (
                "project.project_task_2",
                admin,
                "mail.mail_activity_data_todo",
                3,
                "Check the certificate",
            ),
            (
                "account.demo_invoice_2",
                admin,
                "mail.mail_activity_data_call",
                1,
                "Payment reminder",
            ),
        ):
            model, res_id = self._xmlid(xmlid)
            env[model].browse(res_id).activity_schedule(
                act_type,
                date_deadline=self.today + timedelta(days=days),
                summary=summary,
                user_id=env.uid,
            )
        order = self._xmlid("sale.sale_order_1")
        self.rec(
            "ir.attachment",
            "sale.demo_attachment_1",
            {
                "name": "specifications.txt",
                "res_model": order[0],
                "res_id": order[1],
                "mimetype": "text/plain",
                "datas": "U3BlY2lmaWNhdGlvbnM6IDMgZGVza3MsIDYgY2hhaXJzLgo=",
                "company_id": self.ref(MAIN_COMPANY),
            },
        )

    def _xmlid(self, xmlid: str) -> tuple[str, int]:
        found = self.registry.xmlid_to_res(xmlid)
        if found is None:
            raise LookupError(f"demo data refers to unknown xml id {xmlid!r}")
        return found


def set_credentials(registry: Registry, uid: int, password: str, api_key: str) -> None:
    """Give a user a password and one API key (Odoo stores only a hash of the key)."""
    credentials.set_password(registry, uid, password)
    if api_key:
        credentials.add_api_key(registry, uid, "Tollgate demo key", api_key)


def load(registry: Registry) -> None:
    DemoLoader(registry).load()


__all__ = ["CHICAGO_COMPANY", "DEMO_USERS", "MAIN_COMPANY", "DemoLoader", "DemoUser", "load"]
