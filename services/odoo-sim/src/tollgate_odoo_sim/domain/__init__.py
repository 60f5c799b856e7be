"""Odoo domains and ``order`` strings: validation, normalisation, evaluation and sorting.

The behaviour follows Odoo 17.0/18.0 (``odoo/osv/expression.py`` and the SQL it generates):
prefix ``&``/``|``/``!`` with implicit AND, every term operator, dotted paths across relations,
and Odoo's NULL semantics. Storage stays with the ORM behind :class:`DomainSource`.
"""

from tollgate_odoo_sim.domain.compiler import compile_domain, evaluate
from tollgate_odoo_sim.domain.normalize import FALSE_LEAF, TERM_OPERATORS, TRUE_LEAF, normalize
from tollgate_odoo_sim.domain.order import OrderKey, parse_order, sort_ids
from tollgate_odoo_sim.domain.source import DomainSource, FieldInfo

__all__ = [
    "FALSE_LEAF",
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
