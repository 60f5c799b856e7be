"""Answer shaping: values, links, default fields, the size budget and cursors."""

from __future__ import annotations

import pytest
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_worker.schema import FieldInfo
from tollgate_worker.shaping.budget import fit, json_size, make_cursor, read_cursor
from tollgate_worker.shaping.defaults import default_fields
from tollgate_worker.shaping.html_text import html_to_text
from tollgate_worker.shaping.links import RecordLinks
from tollgate_worker.shaping.records import iso_datetime, plan_read, shape_value

LEAD = {
    "name": FieldInfo("char"),
    "partner_id": FieldInfo("many2one", "res.partner"),
    "tag_ids": FieldInfo("many2many", "crm.tag"),
    "description": FieldInfo("html"),
    "expected_revenue": FieldInfo("monetary", currency_field="company_currency"),
    "company_currency": FieldInfo("many2one", "res.currency"),
    "date_open": FieldInfo("datetime"),
    "date_deadline": FieldInfo("date"),
    "active": FieldInfo("boolean"),
    "image_1920": FieldInfo("binary"),
    "stage_id": FieldInfo("many2one", "crm.stage"),
}


def test_html_becomes_readable_text() -> None:
    html = (
        "<p>Hello <b>Ann</b>,</p><ul><li>desks</li><li>chairs &amp; lamps</li></ul>"
        "<script>x()</script>"
    )
    assert html_to_text(html) == "Hello Ann,\n\n- desks\n- chairs & lamps"
    assert html_to_text("plain") == "plain"
    assert html_to_text("<p>" + "a" * 50 + "</p>", max_chars=10) == "a" * 9 + "…"


def test_values_are_shaped_by_type() -> None:
    assert shape_value([3, "Azure"], "many2one") == {"id": 3, "name": "Azure"}
    assert shape_value(list(range(1, 15)), "many2many") == {"count": 14, "ids": list(range(1, 11))}
    assert shape_value(False, "char") is None
    assert shape_value(False, "boolean") is False
    assert shape_value("2024-05-01 09:30:00", "datetime") == "2024-05-01T09:30:00Z"
    assert shape_value("2024-05-01", "date") == "2024-05-01"
    assert iso_datetime("nonsense") == "nonsense"


def test_amounts_carry_their_currency_and_records_their_link() -> None:
    plan = plan_read("crm.lead", LEAD, ["name", "expected_revenue"], RecordLinks("https://o", 18))
    assert plan.fields == ["name", "expected_revenue", "company_currency"]
    shaped = plan.shape(
        {"id": 7, "name": "Desks", "expected_revenue": 1200.0, "company_currency": [2, "USD"]}
    )
    assert shaped == {
        "id": 7,
        "name": "Desks",
        "expected_revenue": 1200.0,
        "currency": "USD",
        "url": "https://o/odoo/crm.lead/7",
    }


def test_links_follow_the_odoo_version() -> None:
    assert RecordLinks("https://o", 17).record("res.partner", 3) == (
        "https://o/web#id=3&model=res.partner&view_type=form"
    )
    assert RecordLinks("https://o", 19).record("res.partner", 3) == "https://o/odoo/res.partner/3"


def test_default_fields_skip_binaries_html_and_lists() -> None:
    chosen = default_fields("crm.lead", LEAD)
    assert chosen == ["name", "partner_id", "stage_id", "expected_revenue"]
    generic = default_fields("x.model", {"name": FieldInfo("char"), "image": FieldInfo("binary")})
    assert generic == ["name"]
    assert default_fields("x.model", {"image": FieldInfo("binary")}) == ["display_name"]


def test_the_budget_cuts_at_a_record_and_keeps_at_least_one() -> None:
    records = [{"id": i, "name": "x" * 90} for i in range(10)]
    one = json_size(records[0]) + 1
    assert fit(records, one * 3) == 3
    assert fit(records, 10) == 1
    assert fit(records, 10_000) == 10


def test_the_budget_counts_each_record_and_a_separator_at_every_size() -> None:
    # Records of uneven sizes and non-ASCII text; at each budget around the edges the answer is
    # the longest prefix whose records plus one separator each fit (at least one record).
    records = [{"id": i, "name": "é" * (i * 7 % 23), "n": i * 1.5} for i in range(12)]
    sizes = [json_size(record) + 1 for record in records]
    for budget in range(sum(sizes) + 3):
        used, expected = 0, len(records)
        for index, size in enumerate(sizes):
            used += size
            if used > budget and index > 0:
                expected = index
                break
        assert fit(records, budget) == expected, budget
    assert fit([], 0) == 0


def test_cursors_belong_to_their_query() -> None:
    cursor = make_cursor(40, "abc")
    assert read_cursor(cursor, "abc") == 40
    with pytest.raises(TollgateError) as other:
        read_cursor(cursor, "def")
    assert other.value.code is ErrorCode.INVALID_ARGUMENT
    assert other.value.field == "cursor"
    with pytest.raises(TollgateError):
        read_cursor("not-a-cursor!", "abc")
