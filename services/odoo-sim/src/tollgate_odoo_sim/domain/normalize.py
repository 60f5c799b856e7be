"""Domain syntax: make implicit ANDs explicit, canonicalise leaves, push negations down, validate.

The result is what Odoo 17/18 actually evaluate: ``normalize_domain`` + ``normalize_leaf`` +
``distribute_not`` + ``check_leaf`` of ``odoo/osv/expression.py``. Pushing ``!`` into the leaves
is not cosmetic: it decides the NULL semantics (``!`` of ``('age', '<', 5)`` becomes
``('age', '>=', 5)``, which does not match records without an age, whereas ``!`` of
``('name', '=', 'x')`` becomes ``!=``, which does).

Errors carry Odoo's wording: 17/18 ("Invalid leaf ...", "Domain ... is syntactically not
correct.") by default, 19 ("Invalid operator in condition ...", "Domain() malformed domain ...")
with ``version=19``. One deliberate difference: Odoo 17/18 *assert* that a domain is a list or
tuple (a client would see ``builtins.AssertionError``); we raise ``ValueError`` with the same text.

Only the wording follows 19; the evaluation keeps 17/18's semantics. Known 19 differences not
modelled: ``!`` of an inequality also matches NULL there, and ``!`` of a condition on a path
stays a NOT of the whole ``any``.
"""

from __future__ import annotations

from typing import Any

NOT, AND, OR = "!", "&", "|"
DOMAIN_OPERATORS = (NOT, AND, OR)
ARITY = {NOT: 1, AND: 2, OR: 2}

TERM_OPERATORS = (
    "=",
    "!=",
    "<=",
    "<",
    ">",
    ">=",
    "=?",
    "=like",
    "=ilike",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "in",
    "not in",
    "child_of",
    "parent_of",
    "any",
    "not any",
)
# '<>' is accepted as a synonym of '!=' and rewritten.
ACCEPTED_OPERATORS = (*TERM_OPERATORS, "<>")
NEGATIVE_OPERATORS = frozenset({"!=", "not like", "not ilike", "not in"})
SUBDOMAIN_OPERATORS = ("any", "not any")

# Operators whose negation is another operator; the others stay wrapped in '!'.
NEGATED_OPERATOR = {
    "<": ">=",
    ">": "<=",
    "<=": ">",
    ">=": "<",
    "=": "!=",
    "!=": "=",
    "in": "not in",
    "not in": "in",
    "like": "not like",
    "not like": "like",
    "ilike": "not ilike",
    "not ilike": "ilike",
    "any": "not any",
    "not any": "any",
}

TRUE_LEAF: tuple[int, str, int] = (1, "=", 1)
FALSE_LEAF: tuple[int, str, int] = (0, "=", 1)

Leaf = tuple[Any, str, Any]
DomainItem = str | Leaf

NOT_A_LIST = "Domains to normalize must have a 'domain' form: a list or tuple of domain components"


def normalize(domain: object, *, version: int = 17) -> list[DomainItem]:
    """Validate *domain* and return it in canonical prefix form (never empty).

    Raises ``ValueError`` with the message of Odoo *version* (its major number; 17 and 18 word
    errors alike, 19 rewrote domains and words them differently, see :func:`_check_v19`) for a
    domain that is not a list, has the wrong number of terms for its operators, or holds an
    invalid leaf or operator.
    """
    if version >= 19:
        domain = _check_v19(domain)
    items = explicit_prefix(domain, version)
    items = [_canonical_leaf(item) if isinstance(item, tuple) else item for item in items]
    items = _distribute_not(items)
    for item in items:
        _check(item)
    return items


def _check_v19(domain: object) -> list[Any]:
    """Odoo 19's checks, in its order (items from the right, then the arity), and its wording.

    19 also accepts an upper-case operator (with a deprecation warning), which 17/18 reject;
    the returned domain has it lower-cased.
    """
    if not isinstance(domain, list | tuple):
        raise TypeError(f"Domain() invalid argument type for domain: {domain!r}")
    checked: list[Any] = []
    pending = 0  # terms available to the operators met so far, reading from the right
    for item in reversed(domain):
        if isinstance(item, list | tuple) and len(item) == 3:
            item = _check_condition_v19(item)
            pending += 1
        elif isinstance(item, str) and item in ARITY:
            if pending < ARITY[item]:
                raise ValueError(f"Domain() malformed domain {domain!r}")
            pending -= ARITY[item] - 1
        else:
            raise ValueError(f"Domain() invalid item in domain: {item!r}")
        checked.append(item)
    return checked[::-1]


def _check_condition_v19(item: list[Any] | tuple[Any, ...]) -> Any:
    left, operator, right = condition = tuple(item)
    if not isinstance(left, str):
        if condition in (TRUE_LEAF, FALSE_LEAF):
            return condition
        raise TypeError(f"Domain() invalid arguments: {condition!r}")
    if not left:
        raise TypeError(f"Empty field name in condition {condition!r}")
    lowered = operator.lower() if isinstance(operator, str) else operator
    if lowered in ("any!", "not any!"):  # internal operators, refused in a domain list
        raise ValueError(f"Domain() invalid item in domain: {item!r}")
    if not isinstance(lowered, str) or lowered not in ACCEPTED_OPERATORS:
        raise ValueError(f"Invalid operator in condition {condition!r}")
    if lowered in SUBDOMAIN_OPERATORS and isinstance(right, list | tuple):
        right = _check_v19(right)
    return (left, lowered, right)


def explicit_prefix(domain: object, version: int = 17) -> list[Any]:
    """The domain with its implicit ANDs made explicit and its terms as tuples, leaves as given.

    Raises Odoo 17/18's errors for a domain that is not a list or has the wrong number of terms.
    """
    if not isinstance(domain, list | tuple):
        raise ValueError(NOT_A_LIST)
    if not domain:
        return [TRUE_LEAF]
    result: list[Any] = []
    expected = 1  # how many terms the operators seen so far still need
    for token in domain:
        if expected == 0:  # one more term than needed, as in [A, B]: AND it with what came before
            result.insert(0, AND)
            expected = 1
        if isinstance(token, list | tuple):
            expected -= 1
            if len(token) == 3 and token[1] in SUBDOMAIN_OPERATORS:
                token = (token[0], token[1], normalize(token[2], version=version))
            else:
                token = tuple(token)
        else:
            expected += (ARITY.get(token, 0) if isinstance(token, str) else 0) - 1
        result.append(token)
    if expected:
        raise ValueError(f"Domain {domain} is syntactically not correct.")
    return result


def _is_valid_leaf(item: tuple[Any, ...]) -> bool:
    if len(item) != 3 or not isinstance(item[1], str) or item[1] not in ACCEPTED_OPERATORS:
        return False
    left = item[0]
    return (isinstance(left, str) and bool(left)) or item in (TRUE_LEAF, FALSE_LEAF)


def _canonical_leaf(item: tuple[Any, ...]) -> tuple[Any, ...]:
    """'<>' becomes '!=', a boolean 'in' becomes '=', a list '=' becomes 'in' (Odoo logs these)."""
    if not _is_valid_leaf(item):
        return item
    left, operator, right = item
    if operator == "<>":
        operator = "!="
    if isinstance(right, bool) and operator in ("in", "not in"):
        operator = "=" if operator == "in" else "!="
    if isinstance(right, list | tuple) and operator in ("=", "!="):
        operator = "in" if operator == "=" else "not in"
    return (left, operator, right)


def _distribute_not(items: list[Any]) -> list[Any]:
    """Push every '!' down to the leaves (De Morgan), negating operators where one exists."""
    result: list[Any] = []
    negate_stack = [False]  # whether the sub-domain starting at the next token is negated
    for token in items:
        negate = negate_stack.pop()
        if isinstance(token, tuple) and _is_valid_leaf(token):
            if not negate:
                result.append(token)
            elif token in (TRUE_LEAF, FALSE_LEAF):
                result.append(FALSE_LEAF if token == TRUE_LEAF else TRUE_LEAF)
            elif token[1] in NEGATED_OPERATOR:
                result.append((token[0], NEGATED_OPERATOR[token[1]], token[2]))
            else:
                result.extend((NOT, token))
        elif token == NOT:
            negate_stack.append(not negate)
        elif token in (AND, OR):
            result.append({AND: OR, OR: AND}[token] if negate else token)
            negate_stack.extend((negate, negate))
        else:  # an invalid term: _check reports it
            result.append(token)
    return result


def _check(item: object) -> None:
    if isinstance(item, str) and item in DOMAIN_OPERATORS:
        return
    if isinstance(item, tuple) and _is_valid_leaf(item):
        return
    raise ValueError(f"Invalid leaf {item}")
