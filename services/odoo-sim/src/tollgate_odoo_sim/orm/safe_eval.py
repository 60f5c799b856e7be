"""A deliberately tiny evaluator for record-rule domains (``domain_force``), built on ``ast``.

Only literals, lists/tuples/dicts, the names given by the caller, attribute access to record
fields (``user.partner_id.id``), ``.ids`` and ``time.strftime(...)`` are allowed; everything
else is refused, so rule data can never run code.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Mapping
from typing import Any

from .models import Model


class UnsafeExpression(ValueError):
    pass


def safe_eval_domain(text: str, names: Mapping[str, Any]) -> Any:
    tree = ast.parse(text.strip() or "[]", mode="eval")
    return _eval(tree.body, names)


def _eval(node: ast.AST, names: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [_eval(elt, names) for elt in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_eval(elt, names) for elt in node.elts)
    if isinstance(node, ast.Dict):
        return {
            _eval(k, names): _eval(v, names)
            for k, v in zip(node.keys, node.values, strict=True)
            if k
        }
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id not in names:
            raise UnsafeExpression(f"name {node.id!r} is not allowed in a rule domain")
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        value = _eval(node.operand, names)
        return -value if isinstance(node.op, ast.USub) else not value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _eval(node.left, names) + _eval(node.right, names)
    if isinstance(node, ast.Attribute):
        owner = _eval(node.value, names)
        if isinstance(owner, Model) and (node.attr in ("id", "ids") or node.attr in owner._fields):
            return getattr(owner, node.attr)
        raise UnsafeExpression(f"attribute {node.attr!r} is not allowed in a rule domain")
    if isinstance(node, ast.Call) and not node.keywords:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "strftime"
            and isinstance(func.value, ast.Name)
            and func.value.id == "time"
            and "time" in names
        ):
            args = [_eval(arg, names) for arg in node.args]
            if len(args) == 1 and isinstance(args[0], str):
                return time.strftime(args[0])
    raise UnsafeExpression(f"{type(node).__name__} is not allowed in a rule domain")
