"""Loading extra data: --seed YAML files, --scale N generation, and the PDF reports."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _addons_fixtures import fresh_service, login, ref
from tollgate_odoo_sim.addons import scale, seed
from tollgate_odoo_sim.addons.seed import SeedError
from tollgate_odoo_sim.exceptions import AccessError, MissingError
from tollgate_odoo_sim.service import OdooService
from tollgate_odoo_sim.versions import parse_version

SEED = """
- model: res.partner.category
  id: seed_tag
  values: {name: Seeded}
- model: res.partner
  id: acme
  values:
    name: Acme Corp
    is_company: true
    country_id: ref:base.be
    category_id: [ref:seed_tag, ref:base.res_partner_category_14]
- model: res.partner
  values: {name: Wile E. Coyote, parent_id: ref:acme, email: wile@acme.example.com}
- model: sale.order
  id: acme_order
  values:
    partner_id: ref:acme
    user_id: ref:base.user_demo
    validity_date: "2031-01-31"
    order_line:
      - {product_id: ref:product.product_product_4, product_uom_qty: 2, price_unit: 100}
- model: res.partner
  id: base.res_partner_12
  values: {phone: "+1 555 0000"}
- model: res.users
  id: seller
  password: s3cret
  api_key: 0123456789abcdef0123456789abcdef01234567
  values:
    login: seller
    partner_id: ref:acme
    company_id: ref:base.main_company
    company_ids: [ref:base.main_company]
    groups_id: [ref:sales_team.group_sale_salesman]
"""


@pytest.fixture(scope="module")
def seeded() -> OdooService:
    """A database for the tests that leave it unchanged (failing seed files, reports)."""
    return fresh_service("17.0")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_seed_file_adds_and_updates_records(tmp_path: Path) -> None:
    service = OdooService.create(parse_version("18.0"), seed_files=[_write(tmp_path, SEED)])
    admin = login(service, "admin")
    acme = ref(service, "seed.acme")
    [partner] = admin(
        "res.partner", "read", [acme], ["name", "country_id", "category_id", "child_ids"]
    )
    assert partner["country_id"][1] == "Belgium"
    assert set(partner["category_id"]) == {
        ref(service, "seed.seed_tag"),
        ref(service, "base.res_partner_category_14"),
    }
    [contact] = admin("res.partner", "read", partner["child_ids"], ["display_name"])
    assert contact["display_name"] == "Acme Corp, Wile E. Coyote"
    [order] = admin(
        "sale.order", "read", [ref(service, "seed.acme_order")],
        ["amount_untaxed", "user_id", "validity_date", "state"],
    )  # fmt: skip
    assert order["amount_untaxed"] == 200.0
    assert order["user_id"][0] == ref(service, "base.user_demo")
    assert order["validity_date"] == "2031-01-31"
    phone = admin("res.partner", "read", [ref(service, "base.res_partner_12")], ["phone"])
    assert phone[0]["phone"] == "+1 555 0000"
    seller = service.authenticate("odoo", "seller", "s3cret")
    assert seller == ref(service, "seed.seller")
    assert service.uid_from_api_key("odoo", "0123456789abcdef0123456789abcdef01234567") == seller


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{model: res.partner}", "expected a list of entries, got dict"),
        ("- [1, 2]", "entry 1: expected a mapping with 'model' and 'values'"),
        ("- {model: res.nope, values: {}}", "entry 1: unknown model 'res.nope'"),
        ("- {model: res.partner, values: {nme: B}}", "model 'res.partner' has no field 'nme'"),
        ("- {model: res.partner}", "entry 1 (res.partner): 'values' must be a mapping"),
        (
            "- {model: res.partner, values: {name: A}}\n- {model: res.partne, values: {}}",
            "entry 2: unknown model 'res.partne'",
        ),
        (
            "- {model: res.partner, id: x, values: {name: A, country_id: 'ref:base.zz'}}",
            "entry 1 (res.partner, seed.x): unknown reference 'ref:base.zz'",
        ),
        (
            "- {model: res.partner, values: {email: a}}",
            "entry 1 (res.partner): Contacts require a name",
        ),
        (
            "- {model: res.partner, values: {name: A}, colour: red}",
            "entry 1: unknown key(s) colour",
        ),
        ("- {model: res.partner, values: {name: A}, password: x}", "only allowed on res.users"),
        ("- {model: sale.order, values: {partner_id: 'ref:base.res_partner_12', state: x}}",
         "entry 1 (sale.order): Wrong value for sale.order.state: 'x'"),
        ("- {model: res.partner, values: {name: [unclosed}", "not valid YAML"),
    ],
)  # fmt: skip
def test_bad_seed_files_name_the_entry(
    seeded: OdooService, tmp_path: Path, text: str, message: str
) -> None:
    service = seeded
    path = _write(tmp_path, text)
    before = login(service, "admin")("res.partner", "search_count", [])
    with pytest.raises(SeedError) as caught:
        seed.load(service.registry, path)
    assert str(caught.value).startswith(f"seed file {path}")
    assert message in str(caught.value)
    assert login(service, "admin")("res.partner", "search_count", []) == before


def test_missing_seed_file_is_reported(seeded: OdooService, tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot be read"):
        seed.load(seeded.registry, tmp_path / "absent.yaml")


def test_empty_seed_file_loads_nothing(seeded: OdooService, tmp_path: Path) -> None:
    assert seed.load(seeded.registry, _write(tmp_path, "")) == []


@pytest.mark.parametrize("version", ["17.0", "19.0"])
def test_scale_adds_partners_orders_and_invoices(version: str) -> None:
    service = fresh_service(version)
    admin = login(service, "admin")
    counts = {
        m: admin(m, "search_count", []) for m in ("res.partner", "sale.order", "account.move")
    }
    scale.load(service.registry, 500)
    for model, before in counts.items():
        assert admin(model, "search_count", []) == before + 500, model
    contacts = admin(
        "res.partner", "search_read", [("name", "=", "Blake Anders")],
        fields=["display_name", "commercial_partner_id"], limit=1,
    )  # fmt: skip
    assert contacts[0]["display_name"].endswith(", Blake Anders")
    orders = admin(
        "sale.order", "search_read", [("name", "=like", "S%")],
        fields=["name", "amount_total", "order_line", "state"], order="id desc", limit=5,
    )  # fmt: skip
    names = [o["name"] for o in orders]
    assert len(set(names)) == 5
    assert all(o["order_line"] for o in orders)
    [line] = admin("sale.order.line", "read", orders[0]["order_line"], ["price_total"])
    assert line["price_total"] == orders[0]["amount_total"]
    paid = admin("account.move", "search_count", [("payment_state", "=", "paid")])
    assert paid > 100
    demo = login(service, "demo")
    own = demo("sale.order", "search_read", [], fields=["user_id"])
    assert {o["user_id"][0] for o in own if o["user_id"]} == {demo.uid}
    new = admin("sale.order", "create", {"partner_id": contacts[0]["id"]})
    highest = max(int(name[1:]) for name in names)
    assert admin("sale.order", "read", [new], ["name"])[0]["name"] == f"S{highest + 1:05d}"
    draft = admin("account.move", "search", [("state", "=", "draft")], limit=1)
    admin("account.move", "action_post", draft)
    [posted] = admin("account.move", "read", draft, ["name", "sequence_prefix", "sequence_number"])
    before = admin(
        "account.move", "search_read",
        [("sequence_prefix", "=", posted["sequence_prefix"]), ("id", "not in", draft)],
        fields=["sequence_number"], order="sequence_number desc", limit=1,
    )  # fmt: skip
    assert posted["sequence_number"] == before[0]["sequence_number"] + 1
    assert posted["name"] == f"{posted['sequence_prefix']}{posted['sequence_number']:05d}"


def test_negative_scale_is_refused(seeded: OdooService) -> None:
    with pytest.raises(ValueError, match="positive"):
        scale.load(seeded.registry, -1)


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_sale_order_and_invoice_reports_are_pdfs(seeded: OdooService) -> None:
    service = seeded
    admin = login(service, "admin")
    orders = [ref(service, "sale.sale_order_1"), ref(service, "sale.sale_order_3")]
    pdf = service.render_report("odoo", admin.uid, "sale.report_saleorder", orders)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert _pdf_pages(pdf) == 2
    assert 2_000 < len(pdf) < 200_000
    invoices = admin("account.move", "search", [("move_type", "=", "out_invoice")], limit=3)
    pdf = service.render_report("odoo", admin.uid, "account.report_invoice", invoices)
    assert pdf.startswith(b"%PDF-")
    assert _pdf_pages(pdf) == len(invoices)


def test_report_respects_access_and_existence(seeded: OdooService) -> None:
    service = seeded
    demo = login(service, "demo")
    with pytest.raises(AccessError):
        service.render_report(
            "odoo", demo.uid, "sale.report_saleorder", [ref(service, "sale.sale_order_1")]
        )
    with pytest.raises(MissingError):
        service.render_report("odoo", demo.uid, "sale.report_saleorder", [999_999])
    with pytest.raises(ValueError, match="not found"):
        service.render_report("odoo", demo.uid, "sale.report_nope", [1])
    own = ref(service, "sale.sale_order_11")
    assert service.render_report("odoo", demo.uid, "sale.report_saleorder", [own]).startswith(
        b"%PDF"
    )
