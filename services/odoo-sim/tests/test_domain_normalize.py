"""Domain syntax: implicit AND, canonical leaves, negation pushed down, Odoo's error messages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tollgate_odoo_sim.domain import FALSE_LEAF, TRUE_LEAF, normalize


def test_empty_domain_is_true() -> None:
    assert normalize([]) == [TRUE_LEAF]


def test_implicit_and_between_top_level_terms() -> None:
    domain = [("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]
    assert normalize(domain) == ["&", "&", ("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]


def test_implicit_and_after_a_complete_prefix_expression() -> None:
    domain = ["|", ("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]
    assert normalize(domain) == ["&", "|", ("a", "=", 1), ("b", "=", 2), ("c", "=", 3)]


def test_lists_become_tuples_and_tuples_are_accepted() -> None:
    assert normalize((["a", "=", 1],)) == [("a", "=", 1)]


def test_constant_leaves_are_valid() -> None:
    assert normalize([TRUE_LEAF, FALSE_LEAF]) == ["&", TRUE_LEAF, FALSE_LEAF]
    assert normalize([[1, "=", 1]]) == [TRUE_LEAF]


@pytest.mark.parametrize(
    ("leaf", "expected"),
    [
        (("a", "<>", 1), ("a", "!=", 1)),
        (("a", "in", True), ("a", "=", True)),
        (("a", "not in", False), ("a", "!=", False)),
        (("a", "=", [1, 2]), ("a", "in", [1, 2])),
        (("a", "!=", (1, 2)), ("a", "not in", (1, 2))),
    ],
)
def test_leaves_are_canonicalised_like_odoo(leaf: Any, expected: Any) -> None:
    assert normalize([leaf]) == [expected]


def test_not_is_pushed_into_negatable_operators() -> None:
    domain = ["!", "&", ("a", "=", 1), "|", ("b", "<", 2), ("c", "ilike", "x")]
    assert normalize(domain) == ["|", ("a", "!=", 1), "&", ("b", ">=", 2), ("c", "not ilike", "x")]


def test_not_stays_in_front_of_operators_without_a_negation() -> None:
    assert normalize(["!", ("c", "=like", "x%")]) == ["!", ("c", "=like", "x%")]
    assert normalize(["!", ("id", "child_of", 1)]) == ["!", ("id", "child_of", 1)]


def test_double_negation_cancels_and_constants_flip() -> None:
    assert normalize(["!", "!", ("a", "=", 1)]) == [("a", "=", 1)]
    assert normalize(["!", TRUE_LEAF]) == [FALSE_LEAF]


def test_any_subdomains_are_normalised_recursively() -> None:
    domain = [("partner_id", "any", [("a", "=", 1), ("b", "=", 2)])]
    assert normalize(domain) == [("partner_id", "any", ["&", ("a", "=", 1), ("b", "=", 2)])]
    negated = normalize(["!", ("partner_id", "any", [("a", "=", 1)])])
    assert negated == [("partner_id", "not any", [("a", "=", 1)])]


@pytest.mark.parametrize(
    "domain",
    [["&", ("a", "=", 1)], ["|"], ["!"], ["&", "&", ("a", "=", 1), ("b", "=", 2)]],
)
def test_missing_terms_are_a_syntax_error(domain: list[Any]) -> None:
    with pytest.raises(ValueError, match=r"^Domain .* is syntactically not correct\.$") as info:
        normalize(domain)
    assert str(info.value) == f"Domain {domain} is syntactically not correct."


@pytest.mark.parametrize("domain", ["name = x", 42, None, {"name": "x"}])
def test_a_domain_must_be_a_list(domain: object) -> None:
    with pytest.raises(ValueError, match="must have a 'domain' form: a list or tuple"):
        normalize(domain)


@pytest.mark.parametrize(
    ("term", "message"),
    [
        (("name", "like"), "Invalid leaf ('name', 'like')"),
        (("name", "=", "x", 1), "Invalid leaf ('name', '=', 'x', 1)"),
        (("name", "ILIKE", "x"), "Invalid leaf ('name', 'ILIKE', 'x')"),
        (("name", "foo", "x"), "Invalid leaf ('name', 'foo', 'x')"),
        (("", "=", "x"), "Invalid leaf ('', '=', 'x')"),
        ((5, "=", "x"), "Invalid leaf (5, '=', 'x')"),
        ("name", "Invalid leaf name"),
        (["a", "any!", []], "Invalid leaf ('a', 'any!', [])"),
    ],
)
def test_invalid_leaves_use_odoos_message(term: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        normalize([term])


def test_invalid_leaf_inside_any_is_reported() -> None:
    with pytest.raises(ValueError, match=r"^Invalid leaf \('b', 'nope', 1\)$"):
        normalize([("a", "any", [("b", "nope", 1)])])


def test_any_needs_a_list() -> None:
    with pytest.raises(ValueError, match="a list or tuple of domain components"):
        normalize([("a", "any", "x")])


# Odoo 19 rewrote domains (odoo/orm/domains.py): other checks order, other wording.


@pytest.mark.parametrize(
    ("domain", "error", "message"),
    [
        ("name = x", TypeError, "Domain() invalid argument type for domain: 'name = x'"),
        (["&", ["a", "=", 1]], ValueError, "Domain() malformed domain ['&', ['a', '=', 1]]"),
        (["|"], ValueError, "Domain() malformed domain ['|']"),
        (
            [["a", "=", 1], ["b", "like"]],
            ValueError,
            "Domain() invalid item in domain: ['b', 'like']",
        ),
        (["name"], ValueError, "Domain() invalid item in domain: 'name'"),
        ([["a", "any!", []]], ValueError, "Domain() invalid item in domain: ['a', 'any!', []]"),
        # items are checked from the right before the arity
        (["&", ["a", "foo", 1]], ValueError, "Invalid operator in condition ('a', 'foo', 1)"),
        ([["", "=", 1]], TypeError, "Empty field name in condition ('', '=', 1)"),
        ([[5, "=", 1]], TypeError, "Domain() invalid arguments: (5, '=', 1)"),
        (
            [["p", "any", [["x", "nope", 1]]]],
            ValueError,
            "Invalid operator in condition ('x', 'nope', 1)",
        ),
    ],
)
def test_odoo_19_wording(domain: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        normalize(domain, version=19)


def test_odoo_19_accepts_upper_case_operators() -> None:
    assert normalize([["name", "ILIKE", "x"]], version=19) == [("name", "ilike", "x")]
    with pytest.raises(ValueError, match="Invalid leaf"):
        normalize([["name", "ILIKE", "x"]], version=18)


def test_odoo_19_normalises_like_17() -> None:
    domain = ["!", "&", ["a", "=", 1], ["b", "<", 2], ["c", "=", 3]]
    assert normalize(domain, version=19) == normalize(domain, version=17)
