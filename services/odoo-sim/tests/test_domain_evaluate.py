"""Every operator on the demo partners, with Odoo's NULL semantics, paths, hierarchy and errors.

Partners: 1 Azure Interior (company, BE, tag VIP), 2 Brandon Freeman (child of 1, BE, VIP +
Prospect), 3 Colleen Diaz (child of 2, FR, no e-mail), 4 Deco Addict (archived company, e-mail
'', no country), 5 a partner without a name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode does not add tests/
from _domain_fixtures import MemorySource, demo_source
from tollgate_odoo_sim.domain import FieldInfo, compile_domain, evaluate

PARTNER = "res.partner"


@pytest.fixture
def source() -> MemorySource:
    return demo_source()


def search(source: MemorySource, domain: Any) -> list[int]:
    return evaluate(source, PARTNER, domain)


CASES: list[tuple[Any, list[int]]] = [
    # '=' and '!=': '' is a value, not NULL; '!=' with a truthy operand also matches NULL
    ([("name", "=", "Azure Interior")], [1]),
    ([("email", "=", "")], [4]),
    ([("email", "=", False)], [3]),
    ([("email", "=", None)], [3]),
    ([("name", "!=", "Azure Interior")], [2, 3, 4, 5]),
    ([("email", "!=", "")], [1, 2, 5]),
    ([("email", "!=", False)], [1, 2, 4, 5]),
    ([("name", "<>", "Azure Interior")], [2, 3, 4, 5]),
    # comparisons never match NULL, and neither does a negated comparison
    ([("employees", "<", 5)], [2, 3]),
    ([("employees", "<=", 3)], [2, 3]),
    ([("employees", ">", 3)], [1, 5]),
    ([("credit", ">=", 0)], [1, 2, 4]),
    (["!", ("employees", "<", 5)], [1, 5]),
    ([("employees", "!=", 0)], [1, 3, 5]),
    ([("name", ">", "C")], [3, 4]),
    ([("name", "<", False)], []),
    ([("employees", "<", False)], []),
    ([("credit", "<", False)], [3]),
    ([("employees", "=", 3.7)], [3]),
    ([("employees", "in", [3.2, "12"])], [1, 3]),
    # like family: substring, case, wildcards, NULL handling
    ([("name", "like", "Int")], [1]),
    ([("name", "like", "int")], []),
    ([("name", "ilike", "int")], [1]),
    ([("name", "ilike", "")], [1, 2, 3, 4, 5]),
    ([("name", "ilike", False)], [1, 2, 3, 4, 5]),
    ([("name", "not ilike", "a")], [5]),
    ([("name", "not like", "Azure")], [2, 3, 4, 5]),
    ([("name", "ilike", "d_co")], [4]),
    ([("email", "like", "%")], [1, 2, 4, 5]),
    ([("name", "=like", "B%")], [2]),
    ([("name", "=like", "b%")], []),
    ([("name", "=ilike", "b%")], [2]),
    ([("name", "=like", "Deco_Addict")], [4]),
    ([("name", "=like", "Deco")], []),
    ([("email", "=like", "azure_%")], [1]),
    ([("email", "=like", "azure\\_%")], []),  # a backslash escapes a wildcard, as in SQL
    (["!", ("name", "=like", "B%")], [1, 3, 4]),
    ([("employees", "like", "1")], [1]),
    # =?
    ([("name", "=?", False)], [1, 2, 3, 4, 5]),
    ([("name", "=?", None)], [1, 2, 3, 4, 5]),
    ([("name", "=?", "Azure Interior")], [1]),
    (["!", ("name", "=?", "Azure Interior")], [2, 3, 4]),
    # in / not in, with False standing for NULL
    ([("kind", "in", ["person"])], [2, 3]),
    ([("kind", "in", ["person", False])], [2, 3, 5]),
    ([("kind", "not in", ["person"])], [1, 4, 5]),
    ([("kind", "not in", ["person", False])], [1, 4]),
    ([("kind", "in", [])], []),
    ([("kind", "not in", [])], [1, 2, 3, 4, 5]),
    ([("kind", "not in", [None])], [1, 2, 3, 4]),
    ([("id", "in", [3, 1, 99])], [1, 3]),
    ([("employees", "in", [0])], [2]),
    # booleans: False and NULL are the same
    ([("is_company", "=", False)], [2, 3, 5]),
    ([("is_company", "!=", True)], [2, 3, 5]),
    ([("is_company", "=", True)], [1, 4]),
    ([("is_company", "!=", False)], [1, 4]),
    ([("is_company", "in", [False])], [2, 3, 5]),
    ([("is_company", "not in", [True])], [2, 3, 5]),
    ([("is_company", "not in", [False])], [1, 4]),
    ([("active", "=", False)], [4]),
    ([("is_company", "in", True)], [1, 4]),
    # dates as strings or date objects; a bare date against a datetime covers the whole day
    ([("birthday", "<", "2000-01-01")], [2]),
    ([("birthday", ">=", date(2000, 1, 1))], [1]),
    ([("birthday", "=", False)], [3, 4, 5]),
    ([("birthday", "!=", "2001-05-03")], [2, 3, 4, 5]),
    ([("last_login", ">=", "2024-03-01")], [1, 2]),
    ([("last_login", "<=", "2024-03-01")], [1, 2, 4]),
    ([("last_login", ">", "2024-02-29")], [1, 2]),
    ([("last_login", "=", "2024-03-01")], []),
    ([("last_login", "<", "2024-03-01 11:00:00")], [1, 4]),
    ([("last_login", ">", datetime(2024, 3, 1, 12, 0))], [2]),
    ([("last_login", "<", date(2024, 3, 1))], [4]),
    # many2one: ids, unset, names (name search on the comodel)
    ([("country_id", "=", 1)], [1, 2]),
    ([("country_id", "!=", 1)], [3, 4, 5]),
    ([("country_id", "=", False)], [4, 5]),
    ([("country_id", "!=", False)], [1, 2, 3]),
    ([("country_id", "in", [2, False])], [3, 4, 5]),
    ([("country_id", "ilike", "bel")], [1, 2]),
    ([("country_id", "not ilike", "bel")], [3, 4, 5]),
    ([("country_id", "=", "France")], [3]),
    ([("country_id", "in", ["France", "Belgium"])], [1, 2, 3]),
    ([("country_id", "in", "France")], [3]),
    ([("country_id", ">", 1)], [3]),
    # dotted paths: many2one paths never match an unset link
    ([("country_id.code", "=", "BE")], [1, 2]),
    ([("country_id.code", "!=", "BE")], [3]),
    ([("parent_id.parent_id.name", "=", "Azure Interior")], [3]),
    ([("category_id.name", "=", "Prospect")], [2]),
    ([("child_ids.name", "ilike", "brandon")], [1]),
    ([("child_ids.country_id.code", "=", "FR")], [2]),
    (["!", ("country_id.name", "=like", "F%")], [1, 2]),
    (["!", ("country_id.code", "=", "FR")], [1, 2]),
    # any / not any
    ([("country_id", "any", [("code", "=", "FR")])], [3]),
    ([("country_id", "not any", [("code", "=", "FR")])], [1, 2, 4, 5]),
    ([("category_id", "any", [("color", "=", 2)])], [2]),
    ([("category_id", "not any", [("color", "=", 2)])], [1, 3, 4, 5]),
    ([("child_ids", "any", [])], [1, 2]),
    (["!", ("child_ids", "any", [])], [3, 4, 5]),
    ([("parent_id", "any", [("country_id", "any", [("code", "=", "BE")])])], [2, 3]),
    # x2many: positive means "some related", negative "none related"
    ([("category_id", "=", False)], [3, 4, 5]),
    ([("category_id", "!=", False)], [1, 2]),
    ([("category_id", "in", [2])], [2]),
    ([("category_id", "not in", [2])], [1, 3, 4, 5]),
    ([("category_id", "=", 1)], [1, 2]),
    ([("category_id", "!=", 1)], [3, 4, 5]),
    ([("category_id", "ilike", "vi")], [1, 2]),
    ([("category_id", "not ilike", "prosp")], [1, 3, 4, 5]),
    ([("category_id", "in", [False])], []),
    ([("child_ids", "in", [3])], [2]),
    # child_of / parent_of, by id, ids or name
    ([("id", "child_of", 1)], [1, 2, 3]),
    ([("id", "child_of", [2])], [2, 3]),
    ([("id", "child_of", "Brandon")], [2, 3]),
    ([("id", "child_of", ["Brandon", "Deco"])], [2, 3, 4]),
    ([("id", "child_of", False)], []),
    ([("id", "child_of", [])], []),
    # a many2one/one2many to the model itself: the record itself, through that link
    ([("parent_id", "child_of", 1)], [1, 2, 3]),
    (["!", ("parent_id", "child_of", 1)], [4, 5]),
    ([("parent_id", "child_of", 2)], [2, 3]),
    (["!", ("id", "child_of", 2)], [1, 4, 5]),
    ([("child_ids", "child_of", 3)], [1, 2, 3]),
    ([("child_ids", "parent_of", 1)], [1, 2, 3]),
    ([("id", "parent_of", 3)], [1, 2, 3]),
    ([("id", "parent_of", [1])], [1]),
    ([("parent_id", "parent_of", 3)], [1, 2, 3]),
    ([("country_id", "child_of", [])], []),
    # prefix operators and constants
    (["|", ("name", "=", "Azure Interior"), ("kind", "=", "person")], [1, 2, 3]),
    (["&", ("active", "=", True), "!", ("kind", "=", "person")], [1, 5]),
    ([("active", "=", True), ("kind", "=", "person"), ("employees", ">", 0)], [3]),
    (["!", "|", ("kind", "=", "person"), ("active", "=", False)], [1, 5]),
    ([(1, "=", 1)], [1, 2, 3, 4, 5]),
    ([(0, "=", 1)], []),
    (["|", (0, "=", 1), ("id", "=", 2)], [2]),
    # a field that is neither stored nor searchable is ignored, as in Odoo 17/18
    ([("unsearchable", "=", "x")], [1, 2, 3, 4, 5]),
    ([("display_name", "ilike", "freeman")], [2]),
]


@pytest.mark.parametrize(("domain", "expected"), CASES)
def test_operator_semantics(source: MemorySource, domain: Any, expected: list[int]) -> None:
    assert search(source, domain) == expected


def test_many2one_names_go_through_the_comodels_name_search(source: MemorySource) -> None:
    search(source, [("country_id", "not ilike", "bel")])
    search(source, [("category_id", "not ilike", "prosp")])
    search(source, [("id", "child_of", "Brandon")])
    assert source.name_searches == [
        ("res.country", "not ilike", "bel"),
        ("res.partner.category", "ilike", "prosp"),
        ("res.partner", "ilike", "Brandon"),
    ]


def test_result_keeps_the_order_of_the_given_ids(source: MemorySource) -> None:
    assert evaluate(source, PARTNER, [("active", "=", True)], ids=[5, 3, 1, 4]) == [5, 3, 1]


def test_compiled_predicate_can_be_reused(source: MemorySource) -> None:
    matches = compile_domain(source, PARTNER, [("kind", "=", "person")])
    assert [matches(rid) for rid in (1, 2, 3)] == [False, True, True]


class HiddenTags(MemorySource):
    """Tag 2 is invisible (archived or filtered by a record rule)."""

    def ids(self, model: str) -> Iterable[int]:
        ids = list(super().ids(model))
        return [rid for rid in ids if not (model == "res.partner.category" and rid == 2)]


def test_x2many_any_only_sees_records_the_comodel_search_returns() -> None:
    source = HiddenTags(demo_source().models)
    assert search(source, [("category_id", "any", [("color", "=", 2)])]) == []
    assert search(source, [("category_id.name", "=", "Prospect")]) == []
    # ids given directly are not filtered, as in Odoo's SQL
    assert search(source, [("category_id", "in", [2])]) == [2]


def test_parent_cycles_terminate() -> None:
    source = demo_source()
    source.models[PARTNER].records[1]["parent_id"] = 3
    assert search(source, [("id", "child_of", 2)]) == [1, 2, 3]
    assert search(source, [("id", "child_of", 4)]) == [4]
    assert search(source, [("id", "parent_of", 1)]) == [1, 2, 3]


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ([("foo", "=", 1)], "Invalid field res.partner.foo in leaf ('foo', '=', 1)"),
        ([("country_id.foo", "=", 1)], "Invalid field res.country.foo in leaf ('foo', '=', 1)"),
        (
            [("name.foo", "=", 1)],
            "Invalid field 'name.foo' in domain term ('name.foo', '=', 1)",
        ),
        (
            [("kind", "in", "person")],
            "Invalid domain term ('kind', 'in', 'person')",
        ),
        (
            [("name", "any", [])],
            "Invalid operator 'any' in domain term ('name', 'any', [(1, '=', 1)])",
        ),
        (
            [("name", "child_of", 1)],
            "Invalid operator 'child_of' in domain term ('name', 'child_of', 1)",
        ),
        (
            [("country_id", "any", [("nope", "=", 1)])],
            "Invalid field res.country.nope in leaf ('nope', '=', 1)",
        ),
    ],
)
def test_errors_use_odoos_wording(source: MemorySource, domain: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        search(source, domain)


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        (["!", ("foo", "=", 1)], "Invalid field res.partner.foo in leaf ('foo', '=', 1)"),
        ([("foo", "<>", 1)], "Invalid field res.partner.foo in leaf ('foo', '<>', 1)"),
        ([["foo", "=", [1, 2]]], "Invalid field res.partner.foo in leaf ('foo', '=', [1, 2])"),
        ([("foo", "bad", 1)], "Invalid field res.partner.foo in leaf ('foo', 'bad', 1)"),
        ([("", "=", 1)], "Invalid field res.partner. in leaf ('', '=', 1)"),
        (
            ["|", ("name", "=", 1), ("bar", "=", 1)],
            "Invalid field res.partner.bar in leaf ('bar', '=', 1)",
        ),
    ],
)
def test_unknown_fields_are_reported_on_the_leaf_as_sent(
    source: MemorySource, domain: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        search(source, domain)


def test_syntax_errors_come_before_unknown_fields(source: MemorySource) -> None:
    with pytest.raises(ValueError, match="syntactically not correct"):
        search(source, ["&", ("foo", "=", 1)])


def test_bad_date_operand_is_a_value_error(source: MemorySource) -> None:
    with pytest.raises(ValueError, match="does not match format"):
        search(source, [("birthday", "<", "yesterday")])


def test_bad_number_operand_is_a_value_error(source: MemorySource) -> None:
    with pytest.raises(ValueError, match="invalid literal for int"):
        search(source, [("employees", "<", "many")])


def test_hierarchy_on_another_model_follows_its_parent_field(source: MemorySource) -> None:
    source.models["res.country"].fields["parent_id"] = FieldInfo("many2one", "res.country")
    source.models["res.country"].parent = "parent_id"
    source.models["res.country"].records[2]["parent_id"] = 1
    assert search(source, [("country_id", "child_of", 1)]) == [1, 2, 3]
    assert search(source, [("country_id", "parent_of", 1)]) == [1, 2]
    assert search(source, [("country_id", "child_of", "France")]) == [3]


def test_a_parent_field_must_point_to_its_own_model(source: MemorySource) -> None:
    source.models["res.country"].fields["parent_id"] = FieldInfo("many2one", "res.partner")
    source.models["res.country"].parent = "parent_id"
    with pytest.raises(ValueError, match=r"^Invalid parent field: res\.country\.parent_id$"):
        search(source, [("country_id", "child_of", 1)])


def test_hierarchy_without_parent_field_fails_like_odoo(source: MemorySource) -> None:
    with pytest.raises(KeyError, match="parent_id"):
        search(source, [("country_id", "child_of", 1)])


def test_errors_are_raised_before_any_record_is_read() -> None:
    empty = MemorySource({PARTNER: demo_source().models[PARTNER]})
    empty.models[PARTNER].records.clear()
    with pytest.raises(ValueError, match="Invalid field"):
        search(empty, [("foo", "=", 1)])


def test_odoo_19_wording_for_unknown_fields(source: MemorySource) -> None:
    message = "Invalid field res.country.foo in condition ('foo', '=', 1)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        evaluate(source, PARTNER, [("country_id.foo", "=", 1)], version=19)


def test_deeply_nested_domains_do_not_hit_the_recursion_limit(source: MemorySource) -> None:
    alternating = ["&", "|"] * 1500 + [("id", "!=", 3)] * 3001
    assert search(source, alternating) == [1, 2, 4, 5]
    wide = ["|"] * 4999 + [("id", "=", i) for i in range(5000)]
    assert search(source, wide) == [1, 2, 3, 4, 5]
    assert search(source, ["!"] * 3001 + [("id", "=", 1)]) == [2, 3, 4, 5]


def test_a_field_with_a_search_method_means_the_domain_it_returns() -> None:
    source = demo_source()
    partners = source.models[PARTNER]
    partners.fields["initial"] = FieldInfo("char", stored=False, searchable=True)
    calls: list[tuple[str, Any]] = []

    def search_initial(operator: str, value: Any) -> list[Any]:
        calls.append((operator, value))
        starts = ("name", "=ilike", f"{value}%")
        return [starts] if operator == "=" else ["!", starts]

    partners.searches["initial"] = search_initial
    assert search(source, [("initial", "=", "b")]) == [2]
    # the method gets the negation pushed into its operator, as in Odoo; the nameless
    # partner 5 matches neither way (SQL NULL)
    assert search(source, ["!", ("initial", "=", "b")]) == [1, 3, 4]
    assert calls == [("=", "b"), ("!=", "b")]
