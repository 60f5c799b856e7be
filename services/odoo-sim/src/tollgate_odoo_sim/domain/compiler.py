"""Compile a domain once into Python closures, then filter record ids with it.

The normalised prefix list becomes a tree (n-ary AND/OR, NOT only over leaves once negations are
distributed), and each leaf becomes one closure chosen by the field's type and the operator.
Relational leaves follow Odoo 17/18:
- a dotted path ``a.b`` is ``(a, 'any', [(b, op, value)])``;
- many2one ``any`` is ``IN`` (unset records are unknown), ``not any`` also matches unset records,
  and related records are looked at without ``active_test``, as Odoo does for many2one (record
  rules of the comodel are not applied there: a known simplification);
- x2many ``any`` only considers related records the comodel's search would return
  (``DomainSource.ids``: active_test and record rules), as Odoo's subquery does;
- a many2one compared to a name (or names) is a name search on the comodel; a negative operator
  there also matches unset records;
- x2many: a positive operator means "some related record matches", a negative one "no related
  record matches the positive form"; ``= False`` means "no related records";
- ``child_of`` / ``parent_of`` follow the comodel's parent field (value: ids or names); on
  ``id``, or on a field pointing back to its own model, they test the record itself, a
  self-referencing many2one/one2many being the hierarchy link (``('parent_id', 'child_of', 1)``
  is ``('id', 'child_of', 1)`` through ``parent_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tollgate_odoo_sim.domain.columns import Getter, Pred, always, column_predicate
from tollgate_odoo_sim.domain.hierarchy import Step, reachable, reaches
from tollgate_odoo_sim.domain.normalize import (
    AND,
    FALSE_LEAF,
    NEGATED_OPERATOR,
    NEGATIVE_OPERATORS,
    NOT,
    OR,
    TRUE_LEAF,
    DomainItem,
    Leaf,
    explicit_prefix,
    normalize,
)
from tollgate_odoo_sim.domain.source import ID_FIELD, DomainSource, FieldInfo

Node = tuple[str, Any]  # ("leaf", Leaf) | ("not", Node) | ("and" | "or", list[Node])


def evaluate(
    source: DomainSource,
    model: str,
    domain: object,
    ids: Iterable[int] | None = None,
    *,
    version: int = 17,
) -> list[int]:
    """The ids (from *ids*, else every candidate of *model*) matching *domain*, in input order.

    *version* is the Odoo major version whose error wording to use (see :func:`normalize`).
    """
    matches = compile_domain(source, model, domain, version=version)
    candidates = source.ids(model) if ids is None else ids
    return [rid for rid in candidates if matches(rid)]


def compile_domain(
    source: DomainSource, model: str, domain: object, *, version: int = 17
) -> Callable[[int], bool]:
    """Validate *domain* and return a predicate over record ids of *model*.

    Raises ``ValueError`` (Odoo's wording) for a malformed domain or an unknown field.
    """
    compiler = _Compiler(source, version)
    if version < 19:
        # Odoo 17/18 look the fields up on the leaves as written, before validating operators
        # and before pushing negations down: their errors quote the leaf as the client sent it.
        compiler.check_fields(model, explicit_prefix(domain))
    predicate = compiler.compile(model, normalize(domain, version=version))
    return lambda rid: predicate(rid) is True


# Nested closures recurse when called; past this nesting the domain runs as a stack program.
MAX_CLOSURE_DEPTH = 64


def _tree(items: list[DomainItem]) -> tuple[Node, int]:
    """Prefix list to tree and its nesting depth, read from the right without recursion."""
    stack: list[tuple[Node, int]] = []
    for item in reversed(items):
        if item == NOT:
            node, depth = stack.pop()
            stack.append((("not", node), depth + 1))
        elif item in (AND, OR):
            kind = "and" if item == AND else "or"
            children: list[Node] = []
            depth = 0
            for _ in range(2):
                child, child_depth = stack.pop()
                merged = child[0] == kind
                children.extend(child[1] if merged else [child])
                depth = max(depth, child_depth if merged else child_depth + 1)
            stack.append(((kind, children), depth))
        else:
            stack.append((("leaf", item), 0))
    (root,) = stack
    return root


def _program(leaves: dict[int, Pred], items: list[DomainItem]) -> Pred:
    """Run the prefix list from the right with an explicit stack: any nesting, no recursion."""
    steps = [(item, leaves.get(position)) for position, item in reversed(list(enumerate(items)))]

    def run(rid: int) -> bool | None:
        stack: list[bool | None] = []
        for item, leaf in steps:
            if leaf is not None:
                stack.append(leaf(rid))
            elif item == NOT:
                stack.append(stack.pop() is False)
            elif item == AND:
                first, second = stack.pop(), stack.pop()
                stack.append(bool(first) and bool(second))
            else:
                first, second = stack.pop(), stack.pop()
                stack.append(bool(first) or bool(second))
        return stack[0]

    return run


def _all(predicates: list[Pred]) -> Pred:
    if len(predicates) == 2:
        first, second = predicates
        return lambda rid: bool(first(rid)) and bool(second(rid))
    return lambda rid: all(predicate(rid) for predicate in predicates)


def _any(predicates: list[Pred]) -> Pred:
    if len(predicates) == 2:
        first, second = predicates
        return lambda rid: bool(first(rid)) or bool(second(rid))
    return lambda rid: any(predicate(rid) for predicate in predicates)


def _is_names(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(item, str) for item in value)
    )


class _Compiler:
    def __init__(self, source: DomainSource, version: int) -> None:
        self.source = source
        self.version = version

    def compile(self, model: str, items: list[DomainItem]) -> Pred:
        root, depth = _tree(items)
        if depth <= MAX_CLOSURE_DEPTH:
            return self._node(model, root)
        leaves = {
            position: self._leaf(model, item)
            for position, item in enumerate(items)
            if isinstance(item, tuple)
        }
        return _program(leaves, items)

    def _node(self, model: str, node: Node) -> Pred:
        kind, payload = node
        if kind == "leaf":
            return self._leaf(model, payload)
        if kind == "not":
            inner = self._node(model, payload)
            # SQL's NOT: unknown (NULL) stays unknown, so only a definite False turns True.
            return lambda rid: inner(rid) is False
        predicates = [self._node(model, child) for child in payload]
        return _all(predicates) if kind == "and" else _any(predicates)

    def check_fields(self, model: str, items: list[Any]) -> None:
        """Raise Odoo's error for the first unknown field, following paths and subdomains."""
        for item in items:
            if not isinstance(item, tuple) or len(item) != 3 or not isinstance(item[0], str):
                continue  # an operator, a constant leaf, or an invalid leaf reported later
            left, operator, right = item
            name, _, rest = left.partition(".")
            info = self._field(model, name, item)
            if not info.relational:
                continue
            if rest:
                self.check_fields(self._comodel(info), [(rest, operator, right)])
            elif operator in ("any", "not any") and isinstance(right, list):
                self.check_fields(self._comodel(info), right)

    def _field(self, model: str, name: str, leaf: Leaf) -> FieldInfo:
        info = self.source.field_info(model, name)
        if info is None and name == "id":
            return ID_FIELD
        if info is None:
            where = f"condition {leaf!r}" if self.version >= 19 else f"leaf {leaf}"
            raise ValueError(f"Invalid field {model}.{name} in {where}")
        return info

    def _getter(self, model: str, name: str) -> Getter:
        if name == "id":
            return lambda rid: rid
        # a source may hand out its per-column reader, which saves a lookup per record
        column_getter = getattr(self.source, "column_getter", None)
        if column_getter is not None:
            getter: Getter = column_getter(model, name)
            return getter
        value = self.source.value
        return lambda rid: value(model, rid, name)

    def _leaf(self, model: str, leaf: Leaf) -> Pred:
        if leaf == TRUE_LEAF:
            return always(True)
        if leaf == FALSE_LEAF:
            return always(False)
        left, operator, right = leaf
        name, _, rest = left.partition(".")
        info = self._field(model, name, leaf)
        if not info.searchable:
            # Odoo 17/18 log an error and ignore the condition.
            return always(True)
        if rest:
            if not info.relational:
                raise ValueError(f"Invalid field {left!r} in domain term {leaf!r}")
            subdomain = normalize([(rest, operator, right)], version=self.version)
            return self._related(model, name, info, "any", subdomain)
        if operator == "=?":
            if right is None or right is False:
                return always(True)
            operator = "in" if isinstance(right, list | tuple) else "="
        if not info.stored:
            expanded = self.source.search_domain(model, name, operator, right)
            if expanded is not None:
                return self.compile(model, normalize(expanded, version=self.version))
        if operator in ("any", "not any"):
            if not info.relational:
                raise ValueError(f"Invalid operator {operator!r} in domain term {leaf!r}")
            return self._related(model, name, info, operator, right)
        if operator in ("child_of", "parent_of"):
            return self._hierarchy(model, name, info, operator, right, leaf)
        if info.type == "many2one" and _is_names(right):
            return self._many2one_names(model, name, info, operator, right)
        if info.x2many:
            return self._x2many(model, name, info, operator, right)
        return column_predicate(self._getter(model, name), info.type, operator, right, leaf)

    def _comodel(self, info: FieldInfo) -> str:
        assert info.relation is not None, "relational fields name their comodel"
        return info.relation

    def _related(
        self, model: str, name: str, info: FieldInfo, operator: str, subdomain: list[DomainItem]
    ) -> Pred:
        inner = self.compile(self._comodel(info), subdomain)
        get = self._getter(model, name)
        seen: dict[int, bool] = {}

        def related_matches(related_id: int) -> bool:
            found = seen.get(related_id)
            if found is None:
                found = seen[related_id] = inner(related_id) is True
            return found

        if info.type == "many2one":
            if operator == "any":
                return lambda rid: related_matches(v) if (v := get(rid)) else None
            return lambda rid: not (v := get(rid)) or not related_matches(v)
        # Odoo searches the comodel here, so its active_test and record rules apply.
        visible = frozenset(self.source.ids(self._comodel(info)))
        if operator == "any":
            return lambda rid: any(x in visible and related_matches(x) for x in get(rid) or ())
        return lambda rid: not any(x in visible and related_matches(x) for x in get(rid) or ())

    def _many2one_names(
        self, model: str, name: str, info: FieldInfo, operator: str, right: Any
    ) -> Pred:
        # Odoo's rewriting of a many2one compared to names, before its name search.
        if operator in ("<", ">", "<=", ">="):
            operator = "in"
        if isinstance(right, tuple):
            right = list(right)
        if not isinstance(right, list) and operator in ("in", "not in"):
            operator = "=" if operator == "in" else "!="
        found = self.source.name_search_ids(self._comodel(info), operator, right)
        unset_matches = True if operator in NEGATIVE_OPERATORS else None
        get = self._getter(model, name)
        return lambda rid: v in found if (v := get(rid)) else unset_matches

    def _x2many(self, model: str, name: str, info: FieldInfo, operator: str, right: Any) -> Pred:
        negative = operator in NEGATIVE_OPERATORS
        get = self._getter(model, name)
        if right is False:
            if negative:
                return lambda rid: bool(get(rid))
            return lambda rid: not get(rid)
        if isinstance(right, str):
            positive_operator = NEGATED_OPERATOR[operator] if negative else operator
            wanted = self.source.name_search_ids(self._comodel(info), positive_operator, right)
        elif isinstance(right, list | tuple | set | frozenset):
            wanted = {item for item in right if item}
        else:
            wanted = {right} if right else set()
        if negative:
            return lambda rid: not any(x in wanted for x in get(rid) or ())
        return lambda rid: any(x in wanted for x in get(rid) or ())

    def _hierarchy(
        self, model: str, name: str, info: FieldInfo, operator: str, right: Any, leaf: Leaf
    ) -> Pred:
        # Odoo reads a hierarchy condition on the record itself for 'id' and for a field
        # pointing back to its own model; a many2one or one2many of that kind is then the link.
        on_record = name == "id" or info.relation == model
        if not (on_record or info.relational):
            raise ValueError(f"Invalid operator {operator!r} in domain term {leaf!r}")
        target = model if on_record else self._comodel(info)
        link = name if on_record and info.type in ("many2one", "one2many") else None
        roots = self._to_ids(target, right)
        if not roots:
            return always(False)
        step = self._step(target, link)
        in_tree = (
            reaches(roots, step) if operator == "child_of" else reachable(roots, step).__contains__
        )
        if on_record:
            return in_tree
        get = self._getter(model, name)
        if info.type == "many2one":
            return lambda rid: in_tree(v) if (v := get(rid)) else None
        return lambda rid: any(in_tree(x) for x in get(rid) or ())

    def _step(self, model: str, link: str | None) -> Step:
        """From a record to its neighbours along *link* (default: the model's parent field)."""
        if link is None:
            link = self.source.parent_field(model)
            if link is None:
                # Odoo looks up its default _parent_name, "parent_id", and fails like this.
                raise KeyError("parent_id")
        info = self.source.field_info(model, link)
        if info is None or info.relation != model:
            raise ValueError(f"Invalid parent field: {model}.{link}")
        value = self.source.value
        if info.type == "many2one":
            return lambda rid: (parent,) if (parent := value(model, rid, link)) else ()
        return lambda rid: value(model, rid, link) or ()

    def _to_ids(self, model: str, value: Any) -> set[int]:
        """An id, ids, a name or names (name-searched with ilike) as a set of ids."""
        if _is_names(value):
            names = [value] if isinstance(value, str) else value
            found: set[int] = set()
            for item in names:
                found |= self.source.name_search_ids(model, "ilike", item)
            return found
        if isinstance(value, int):
            return {value} if value else set()
        if isinstance(value, list | tuple | set | frozenset):
            return {item for item in value if item}
        return set()
