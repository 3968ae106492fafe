"""Formulas over trends series: ``A / B``, ``(A - B) / A * 100`` ...

Letters name the series in order (A the first). Evaluated point by point on the
series' values (same breakdown value, same interval); a division by zero gives None
(no value), as does a missing operand value. Parsed with :mod:`ast` and restricted to
numbers, letters, ``+ - * /`` and parentheses: nothing else is evaluated.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping

from shoplens.errors import ConfigError

_OPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def parse_formula(text: str, n_series: int) -> ast.Expression:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ConfigError(f"formula {text!r}: not a formula (use e.g. A / B)") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if len(node.id) != 1 or not "A" <= node.id <= "T":
                raise ConfigError(f"formula {text!r}: unknown name {node.id!r}")
            if ord(node.id) - ord("A") >= n_series:
                raise ConfigError(f"formula {text!r}: series {node.id} does not exist "
                                  f"(the query has {n_series})")
        elif (not isinstance(node, ast.Expression | ast.BinOp | ast.UnaryOp | ast.Constant
                             | ast.Load | ast.USub | ast.UAdd | ast.operator)
              or (isinstance(node, ast.BinOp) and type(node.op) not in _OPS)):
            raise ConfigError(f"formula {text!r}: only + - * / ( ) are allowed")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise ConfigError(f"formula {text!r}: only numbers and series letters")
    return tree


def evaluate(tree: ast.Expression, values: Mapping[str, float | None]) -> float | None:
    """The formula's value for one point; None when undefined."""
    def ev(node: ast.AST) -> float | None:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return values.get(node.id)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if a is None or b is None:
                return None
            if isinstance(node.op, ast.Div) and b == 0:
                return None
            return _OPS[type(node.op)](a, b)
        raise ConfigError("formula: unsupported expression")  # pragma: no cover

    return ev(tree)
