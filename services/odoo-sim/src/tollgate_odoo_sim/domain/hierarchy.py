"""``child_of`` / ``parent_of``: walking a hierarchy link from given roots, as Odoo 17/18 do.

A *step* maps a record to its neighbours along the link: its parent for a many2one link (the
model's ``_parent_name`` or a self-referencing many2one), its children for a self-referencing
one2many. ``child_of`` keeps the records whose walk reaches a root; ``parent_of`` keeps the
records reached when walking from the roots. Odoo refuses recursive hierarchies, so cycles in
the data only need to terminate, not to give a meaningful answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

Step = Callable[[int], Iterable[int]]


def reaches(roots: set[int], step: Step) -> Callable[[int], bool]:
    """A test: does walking *step* from a record (itself included) meet one of *roots*?"""
    known: dict[int, bool] = dict.fromkeys(roots, True)

    def test(rid: int) -> bool:
        found = known.get(rid)
        if found is not None:
            return found
        path: list[tuple[int, Iterator[int]]] = [(rid, iter(step(rid)))]
        on_path = {rid}
        while path:
            node, neighbours = path[-1]
            for neighbour in neighbours:
                if known.get(neighbour):
                    for visited, _ in path:
                        known[visited] = True
                    return True
                if neighbour not in known and neighbour not in on_path:
                    on_path.add(neighbour)
                    path.append((neighbour, iter(step(neighbour))))
                    break
            else:  # every neighbour explored without meeting a root
                path.pop()
                known[node] = False
        return known[rid]

    return test


def reachable(roots: set[int], step: Step) -> frozenset[int]:
    """Every record met when walking *step* from *roots* (the roots included)."""
    seen = set(roots)
    frontier = list(roots)
    while frontier:
        node = frontier.pop()
        for neighbour in step(node):
            if neighbour not in seen:
                seen.add(neighbour)
                frontier.append(neighbour)
    return frozenset(seen)
