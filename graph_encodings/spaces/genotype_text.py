"""Reading DARTS ``Genotype(...)`` text without evaluating it.

The text is parsed with :func:`ast.parse` (no code runs) and each argument is read with
:func:`ast.literal_eval`; the only non-literal accepted is ``range(a, b)`` / ``range(b)`` with
integer literals, which DARTS' own genotypes use for ``*_concat``.
"""

from __future__ import annotations

import ast
from typing import Any

GENOTYPE_FIELDS: tuple[str, ...] = ("normal", "normal_concat", "reduce", "reduce_concat")


def _literal(node: ast.expr, field: str) -> Any:
    """Value of one argument: a literal, or ``range(...)`` of integer literals (as a list)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and not node.keywords
    ):
        try:
            args = [ast.literal_eval(a) for a in node.args]
        except ValueError:
            args = None
        if args and len(args) <= 3 and all(type(a) is int for a in args):
            return list(range(*args))
        raise ValueError(f"Genotype field {field!r}: only range() of integer literals is accepted")
    try:
        return ast.literal_eval(node)
    except ValueError as err:
        raise ValueError(
            f"Genotype field {field!r} is not a literal: {ast.unparse(node)!r}"
        ) from err


def parse_genotype_text(text: str) -> dict[str, Any]:
    """The four fields of a ``Genotype(normal=..., normal_concat=..., reduce=..., reduce_concat=...)``.

    Keyword or positional arguments, any whitespace and quote style. Returns the raw values
    (lists/tuples of pairs, concat lists); checking them against a space is the caller's job.
    """
    stripped = text.strip()
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as err:
        raise ValueError(
            f"not a DARTS Genotype string (syntax error: {err.msg}): {text!r}"
        ) from err
    call = tree.body
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "Genotype"
    ):
        raise ValueError(f"expected text of the form 'Genotype(normal=[...], ...)', got {text!r}")
    if len(call.args) > len(GENOTYPE_FIELDS):
        raise ValueError(
            f"Genotype takes {len(GENOTYPE_FIELDS)} fields, got {len(call.args)} positional"
        )
    fields: dict[str, Any] = {}
    for name, node in zip(GENOTYPE_FIELDS, call.args, strict=False):
        fields[name] = _literal(node, name)
    for kw in call.keywords:
        if kw.arg not in GENOTYPE_FIELDS:
            raise ValueError(
                f"unknown Genotype field {kw.arg!r}; fields are {list(GENOTYPE_FIELDS)}"
            )
        if kw.arg in fields:
            raise ValueError(f"Genotype field {kw.arg!r} given twice")
        fields[kw.arg] = _literal(kw.value, kw.arg)
    missing = [f for f in GENOTYPE_FIELDS if f not in fields]
    if missing:
        raise ValueError(f"Genotype text lacks fields {missing}: {text!r}")
    return fields
