"""Odoo domains and ``order`` strings: validation, normalisation, evaluation and sorting.

The behaviour follows Odoo 17.0/18.0 (``odoo/osv/expression.py`` and the SQL it generates):
prefix ``&``/``|``/``!`` with implicit AND, every term operator, dotted paths across relations,
and Odoo's NULL semantics. Storage stays with the ORM behind :class:`DomainSource`, which has one
method more than the shared architecture sketched: ``default_order(model)``, because a many2one
sorts by its comodel's ``_order``. ``normalize``/``compile_domain``/``evaluate`` take
``version=19`` to word their errors like Odoo 19 (the evaluation stays 17/18's).

Modules: ``normalize`` (syntax, canonical leaves, negations pushed down), ``compiler`` (domain to
closures), ``columns`` (leaves on plain columns), ``hierarchy`` (child_of/parent_of), ``values``
(comparable forms of stored values and operands), ``order`` (``order`` strings), ``source``.
"""

from tollgate_odoo_sim.domain.compiler import compile_domain, evaluate
from tollgate_odoo_sim.domain.normalize import (
    FALSE_LEAF,
    NEGATIVE_OPERATORS,
    TERM_OPERATORS,
    TRUE_LEAF,
    normalize,
)
from tollgate_odoo_sim.domain.order import OrderKey, parse_order, sort_ids
from tollgate_odoo_sim.domain.source import DomainSource, FieldInfo

__all__ = [
    "FALSE_LEAF",
    "NEGATIVE_OPERATORS",
    "TERM_OPERATORS",
    "TRUE_LEAF",
    "DomainSource",
    "FieldInfo",
    "OrderKey",
    "compile_domain",
    "evaluate",
    "normalize",
    "parse_order",
    "sort_ids",
]
