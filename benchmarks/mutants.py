"""Mutants of a Python module: every small fault the mutation benchmark plants, one at a time.

A *mutation point* is one place in a module's syntax tree and one way to break it:

``binop``    an arithmetic or bitwise operator swapped (``+`` → ``-``, ``<<`` → ``>>``, ...)
``compare``  a comparison swapped for its boundary twin and its negation (``<`` → ``<=``, ``>=``)
``boolop``   ``and`` ↔ ``or``
``negate``   the condition of an ``if``, ``while``, conditional expression or filter negated
``delete``   a statement replaced by ``pass``
``const``    an integer constant ±1, a boolean constant flipped
``drop``     one member dropped from a set literal or from the literal right of ``in``

Nothing is planted in docstrings, annotations, decorators or f-strings (messages are not
behaviour). Each point has a stable, readable id::

    reducer:Reducer.apply:compare: sequence <= self.state.latest_sequence => sequence < ... #1

module, enclosing function, operator, original and mutated snippet (whitespace collapsed,
truncated), and an ordinal among points with the same text. No line numbers, so an id survives
edits elsewhere in the module. Ids never contain two consecutive spaces.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

SNIPPET_LIMIT = 60

_BINOP_SWAPS: dict[type[ast.operator], tuple[type[ast.operator], ...]] = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.FloorDiv,),
    ast.FloorDiv: (ast.Mult,),
    ast.Div: (ast.Mult,),
    ast.Mod: (ast.FloorDiv,),
    ast.LShift: (ast.RShift,),
    ast.RShift: (ast.LShift,),
    ast.BitOr: (ast.BitAnd,),
    ast.BitAnd: (ast.BitOr,),
    ast.BitXor: (ast.BitOr,),
    ast.Pow: (ast.Mult,),
}
_COMPARE_SWAPS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
#: Fields never mutated: they carry no behaviour (annotations) or only wrap it (decorators).
_SKIPPED_FIELDS = frozenset({"annotation", "returns", "decorator_list", "type_comment"})
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)
_UNDELETABLE = (
    ast.Pass,
    ast.Import,
    ast.ImportFrom,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Global,
    ast.Nonlocal,
)


@dataclass(frozen=True)
class Mutant:
    """One mutation point of one module."""

    id: str
    module: str
    qualname: str
    operator: str
    original: str
    mutated: str
    #: First line of the mutated node in the pristine source.
    line: int
    #: Position among the module's points in traversal order (what :func:`apply` takes).
    index: int
    #: The point is in module or class scope: it runs on import whatever the vectors are.
    at_import: bool


def snippet(node: ast.AST) -> str:
    """A node's source on one line, whitespace collapsed, at most SNIPPET_LIMIT characters."""
    source = ast.unparse(node)
    if isinstance(node, _COMPOUND):
        source = source.splitlines()[0]  # the header line of a compound statement
    text = " ".join(source.split())
    if len(text) > SNIPPET_LIMIT:
        text = text[: SNIPPET_LIMIT - 3] + "..."
    return text


Replace = Callable[[ast.AST], None]


@dataclass
class _Point:
    qualname: str
    operator: str
    node: ast.AST
    replacement: ast.AST
    replace: Replace
    at_import: bool


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _setter(parent: ast.AST, field: str, index: int | None) -> Replace:
    def replace(new: ast.AST) -> None:
        if index is None:
            setattr(parent, field, new)
        else:
            getattr(parent, field)[index] = new

    return replace


def _comparator(i: int) -> Callable[[Any], Any]:
    return lambda compare: compare.comparators[i]


def _negated(test: ast.expr) -> ast.expr:
    return ast.UnaryOp(ast.Not(), copy.deepcopy(test))


class _Walker:
    """Enumerates the mutation points of a tree in a fixed (traversal) order."""

    def __init__(self) -> None:
        self.points: list[_Point] = []

    def walk(self, node: ast.AST, qualname: str, at_import: bool) -> None:
        for field, value in ast.iter_fields(node):
            if field in _SKIPPED_FIELDS:
                continue
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        self._visit(node, field, i, item, qualname, at_import)
            elif isinstance(value, ast.AST):
                self._visit(node, field, None, value, qualname, at_import)

    def _add(
        self, qual: str, op: str, node: ast.AST, new: ast.AST, rep: Replace, imp: bool
    ) -> None:
        self.points.append(_Point(qual, op, node, new, rep, imp))

    def _visit(
        self,
        parent: ast.AST,
        field: str,
        index: int | None,
        node: ast.AST,
        qualname: str,
        at_import: bool,
    ) -> None:
        if isinstance(node, ast.JoinedStr):
            return  # messages: not behaviour
        replace = _setter(parent, field, index)
        q, imp = qualname, at_import
        in_body = index is not None and field in ("body", "orelse", "finalbody")
        docstring = _is_docstring(node) if isinstance(node, ast.stmt) else False
        if (
            in_body
            and isinstance(node, ast.stmt)
            and not isinstance(node, _UNDELETABLE)
            and not (docstring and index == 0 and field == "body")
        ):
            self._add(q, "delete", node, ast.Pass(), replace, imp)
        if isinstance(node, ast.stmt) and _is_docstring(node):
            return
        self._mutations_of(node, replace, q, imp)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            name = "<lambda>" if isinstance(node, ast.Lambda) else node.name
            inner = name if qualname == "<module>" else f"{qualname}.{name}"
            self.walk(node, inner, False)
        elif isinstance(node, ast.ClassDef):
            inner = node.name if qualname == "<module>" else f"{qualname}.{node.name}"
            self.walk(node, inner, at_import)
        else:
            self.walk(node, qualname, at_import)

    def _mutations_of(self, node: ast.AST, replace: Replace, q: str, imp: bool) -> None:
        new: Any
        if isinstance(node, ast.BinOp):
            for op in _BINOP_SWAPS.get(type(node.op), ()):
                new = ast.BinOp(copy.deepcopy(node.left), op(), copy.deepcopy(node.right))
                self._add(q, "binop", node, new, replace, imp)
        elif isinstance(node, ast.AugAssign):
            for op in _BINOP_SWAPS.get(type(node.op), ()):
                new = ast.AugAssign(copy.deepcopy(node.target), op(), copy.deepcopy(node.value))
                self._add(q, "binop", node, new, replace, imp)
        elif isinstance(node, ast.Compare):
            for i, cmp in enumerate(node.ops):
                for swap in _COMPARE_SWAPS.get(type(cmp), ()):
                    new = copy.deepcopy(node)
                    new.ops[i] = swap()
                    self._add(q, "compare", node, new, replace, imp)
                right = node.comparators[i]
                if isinstance(cmp, ast.In | ast.NotIn) and isinstance(
                    right, ast.Tuple | ast.List | ast.Set
                ):
                    self._drops(node, right, replace, q, imp, _comparator(i))
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            new = ast.BoolOp(other, copy.deepcopy(node.values))
            self._add(q, "boolop", node, new, replace, imp)
        elif isinstance(node, ast.If | ast.While | ast.IfExp):
            new = copy.copy(node)
            new.test = _negated(node.test)
            self._add(q, "negate", node.test, new.test, _setter(node, "test", None), imp)
        elif isinstance(node, ast.comprehension):
            for i, cond in enumerate(node.ifs):
                self._add(q, "negate", cond, _negated(cond), _setter(node, "ifs", i), imp)
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            self._add(q, "const", node, ast.Constant(not node.value), replace, imp)
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            for delta in (1, -1):
                self._add(q, "const", node, ast.Constant(node.value + delta), replace, imp)
        elif isinstance(node, ast.Set):
            self._drops(node, node, replace, q, imp, lambda n: n)

    def _drops(
        self,
        node: ast.expr,
        members: ast.Tuple | ast.List | ast.Set,
        replace: Replace,
        q: str,
        imp: bool,
        locate: Callable[[Any], Any],
    ) -> None:
        """One point per member of a literal used as a set (at least two members)."""
        if len(members.elts) < 2 or any(isinstance(e, ast.Starred) for e in members.elts):
            return
        for i in range(len(members.elts)):
            new = copy.deepcopy(node)
            del locate(new).elts[i]
            self._add(q, "drop", node, new, replace, imp)


def _points(tree: ast.Module) -> list[_Point]:
    walker = _Walker()
    walker.walk(tree, "<module>", True)
    return walker.points


def mutants(module: str, source: str) -> list[Mutant]:
    """Every mutation point of a module's source, with its id, in traversal order."""
    seen: dict[str, int] = {}
    out: list[Mutant] = []
    for index, p in enumerate(_points(ast.parse(source))):
        original, mutated = snippet(p.node), snippet(p.replacement)
        stem = f"{module}:{p.qualname}:{p.operator}: {original} => {mutated}"
        seen[stem] = seen.get(stem, 0) + 1
        out.append(
            Mutant(
                id=f"{stem} #{seen[stem]}",
                module=module,
                qualname=p.qualname,
                operator=p.operator,
                original=original,
                mutated=mutated,
                line=getattr(p.node, "lineno", 0),
                index=index,
                at_import=p.at_import,
            )
        )
    return out


class ModuleMutator:
    """Applies the mutation points of one module one at a time (parsed once, reverted after)."""

    def __init__(self, source: str) -> None:
        self.tree = ast.parse(source)
        self.points = _points(self.tree)

    def source_with(self, index: int) -> str:
        """The module's source with mutation point ``index`` applied (and nothing else)."""
        point = self.points[index]
        point.replace(point.replacement)
        try:
            ast.fix_missing_locations(self.tree)
            return ast.unparse(self.tree)
        finally:
            point.replace(point.node)

    def pristine(self) -> str:
        """The module's source through the same parse and unparse, with no point applied."""
        return ast.unparse(self.tree)


def iter_modules(names: list[str], read: Callable[[str], str]) -> Iterator[Mutant]:
    """The mutants of several modules, module by module."""
    for name in names:
        yield from mutants(name, read(name))
