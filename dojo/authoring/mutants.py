"""First-order mutants of a reference solution, for the mutation audit of a kata's hidden tests.

The dojo has its own mutator because a reference runs where a learner's file runs: copied, in a caged worker
started with `python -I`. mutmut 3's trampolines need mutmut importable in the process that runs the code, and run
pytest in-process, so they cannot reach it; cosmic-ray's generic operators know nothing of SQLAlchemy clause chains
(`.distinct()`, `desc()`, `partition_by=`) or of `with lock:`. A mutant here is a whole module text, run as is.
"""

from __future__ import annotations

import ast
import copy
import difflib
import warnings
from dataclasses import dataclass

# Sites at the same source position are numbered in this order: the statement-level change first, as a reader
# meets the statement before its parts.
OPERATORS: tuple[str, ...] = (
    "remove-statement",
    "remove-with",
    "remove-raise",
    "negate-condition",
    "return-value",
    "compare",
    "boolean",
    "arithmetic",
    "drop-call",
    "swap-call",
    "drop-argument",
    "drop-keyword",
    "constant",
)
_RANK = {name: rank for rank, name in enumerate(OPERATORS)}

_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.And: "and",
    ast.Or: "or",
}
_COMPARE_FLIPS: dict[type[ast.AST], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
# `*` only becomes `+`: `/` would turn int arithmetic into floats, and `//` is only an int mutant for ints.
_ARITHMETIC_SWAPS: dict[type[ast.AST], type[ast.operator]] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add}
_BOOLEAN_SWAPS: dict[type[ast.AST], type[ast.boolop]] = {ast.And: ast.Or, ast.Or: ast.And}
# Pairs a plausible wrong answer is made of: the other sort order, the other NULL test, the other ranking.
_METHOD_SWAPS: dict[str, tuple[str, ...]] = {
    "desc": ("asc",),
    "asc": ("desc",),
    "is_not": ("is_",),
    "is_": ("is_not",),
    "min": ("max",),
    "max": ("min",),
    "lower": ("upper",),
    "upper": ("lower",),
    "casefold": ("lower",),
    "dense_rank": ("rank", "row_number"),
    "rank": ("dense_rank",),
    "startswith": ("endswith",),
    "endswith": ("startswith",),
    "any": ("all",),
    "all": ("any",),
}
_BUILTIN_SWAPS: dict[str, str] = {"min": "max", "max": "min", "any": "all", "all": "any"}
# Annotations say what a value is, not what the code does: no test could tell a mutant there from the original.
_UNMUTATED_FIELDS = frozenset({"annotation", "returns", "type_comment", "type_params"})
# What only documents an API (FastAPI's OpenAPI description) changes no behaviour a kata's tests can see, as
# annotations do not: such keyword arguments, and an `openapi` override, are left alone.
_DOCUMENTATION_KEYWORDS = frozenset({"responses", "openapi_extra", "response_class", "response_model", "title",
                                     "version", "summary", "description", "tags", "deprecated"})
# ...but only where FastAPI reads them: the app's constructor and its route decorators (`.values(version=...)` of a
# SQL UPDATE is behaviour).
_DOCUMENTED_CALLS = frozenset({"FastAPI", "APIRouter", "get", "post", "put", "patch", "delete", "api_route"})
_DOCUMENTATION_FUNCTIONS = frozenset({"openapi", "custom_openapi"})
# Longer strings are messages: emptying them audits wording, not behaviour.
_SHORT_STRING = 40
_SNIPPET = 60


@dataclass(frozen=True)
class Mutant:
    number: int
    line: int
    operator: str
    description: str
    source: str

    def diff(self, original: str) -> str:
        """A unified diff from `original` to this mutant, both as `ast.unparse` prints them."""
        before = (ast.unparse(ast.parse(original)) + "\n").splitlines(keepends=True)
        after = (self.source + "\n").splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, after, fromfile="original", tofile=f"mutant {self.number}"))


def _documents(call: ast.Call, keyword: ast.keyword) -> bool:
    """Whether `keyword` only documents the API: a documentation argument of FastAPI or of a route decorator."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name in _DOCUMENTED_CALLS and keyword.arg in _DOCUMENTATION_KEYWORDS


def mutants(source: str) -> list[Mutant]:
    """Every first-order mutant of a module, numbered from 1 by source position, then operator."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    finder = _Finder(_module_names(tree))
    finder.walk(tree, None)
    seen = {original}
    found: list[Mutant] = []
    # sorted() is stable, so discovery order breaks the remaining ties and the numbering never wobbles.
    for site in sorted(finder.sites, key=lambda s: (s.line, s.column, _RANK[s.operator])):
        text = _render(tree, site)
        if text is None or text in seen or not _compiles(text):
            continue
        seen.add(text)
        found.append(Mutant(len(found) + 1, site.line, site.operator, f"line {site.line}: {site.what}", text))
    return found


@dataclass(frozen=True)
class _Slot:
    """Where a node hangs: `parent.attr`, or `parent.attr[index]` when that field is a list."""

    parent: ast.AST
    attr: str
    index: int | None


@dataclass(frozen=True, eq=False)
class _Site:
    line: int
    column: int
    operator: str
    what: str
    slot: _Slot
    # A list only in a statement list: the statements take the one's place (a `with` giving way to its body).
    replacement: ast.AST | list[ast.stmt]


def _render(tree: ast.Module, site: _Site) -> str | None:
    # The one node is swapped in and back out rather than the tree deep-copied per mutant: the tree is private to
    # `mutants`, and unparse needs no locations.
    slot, replacement = site.slot, site.replacement
    before = getattr(slot.parent, slot.attr)
    if slot.index is None:
        after = replacement
    else:
        spliced = replacement if isinstance(replacement, list) else [replacement]
        after = [*before[: slot.index], *spliced, *before[slot.index + 1 :]]
    setattr(slot.parent, slot.attr, after)
    try:
        return ast.unparse(tree)
    except ValueError:
        # Python 3.11 cannot print some f-strings (a backslash in an expression part): no text, no mutant.
        return None
    finally:
        setattr(slot.parent, slot.attr, before)


def _compiles(text: str) -> bool:
    # Warnings are the learner-facing run's business; here they would make the list depend on the warning filters
    # (under `-W error` a SyntaxWarning such as `x is 1` is raised as a SyntaxError).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<mutant>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _module_names(tree: ast.Module) -> frozenset[str]:
    """Names bound by `import` statements anywhere in the module: calls on them are library calls, not clauses."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.asname or alias.name.partition(".")[0] for alias in node.names)
    return frozenset(names)


def _start(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _end(node: ast.AST) -> tuple[int, int]:
    return node.end_lineno, node.end_col_offset


def _code(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 3] + "..."


def _not(node: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.Not(), operand=node)


def _is_bare_literal(node: ast.AST) -> bool:
    # Docstrings, and any other string statement: mutating a no-op only makes equivalent mutants.
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _is_main_guard(test: ast.expr) -> bool:
    return isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"


def _call_label(call: ast.Call) -> str:
    func, dots = call.func, "..." if call.args or call.keywords else ""
    if isinstance(func, ast.Attribute):
        return f".{func.attr}({dots})"
    return f"{_code(func)}({dots})"


class _Finder:
    """Walks a module recording every site a mutation operator applies to, with the node to put there."""

    def __init__(self, modules: frozenset[str]) -> None:
        self.modules = modules
        self.sites: list[_Site] = []

    def walk(self, node: ast.AST, slot: _Slot | None) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in _DOCUMENTATION_FUNCTIONS:
            return
        documentation = {id(k) for k in node.keywords if _documents(node, k)} if isinstance(node, ast.Call) else set()
        if slot is not None:
            self._visit(node, slot)
        for attr, value in ast.iter_fields(node):
            if attr in _UNMUTATED_FIELDS:
                continue
            if isinstance(value, list):
                for index, child in enumerate(value):
                    if isinstance(child, ast.AST) and not _is_bare_literal(child) and id(child) not in documentation:
                        self.walk(child, _Slot(node, attr, index))
            elif isinstance(value, ast.AST):
                self.walk(value, _Slot(node, attr, None))

    def _add(
        self, at: tuple[int, int], operator: str, what: str, slot: _Slot, replacement: ast.AST | list[ast.stmt]
    ) -> None:
        self.sites.append(_Site(at[0], at[1], operator, what, slot, replacement))

    def _visit(self, node: ast.AST, slot: _Slot) -> None:
        match node:
            case ast.Expr():
                self._expression_statement(node, slot)
            case ast.Raise():
                self._add(_start(node), "remove-raise", f"`{_code(node)}` -> `pass`", slot, ast.Pass())
            case ast.If():
                self._if(node, slot)
            case ast.While():
                self._negate(node, slot, "while")
            case ast.With() | ast.AsyncWith():
                self._with(node, slot)
            case ast.Return():
                self._return(node, slot)
            case ast.AugAssign():
                self._augmented(node, slot)
            case ast.Compare():
                self._compare(node, slot)
            case ast.BoolOp():
                self._boolean(node, slot)
            case ast.UnaryOp(op=ast.Not()):
                self._add(_start(node), "boolean", f"removed `not` from `{_code(node)}`", slot, node.operand)
            case ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=int() as value)) if not isinstance(value, bool):
                self._integer(node, slot, -value)
            case ast.BinOp():
                self._arithmetic(node, slot)
            case ast.IfExp():
                self._negate(node, slot, "if", " in a conditional expression")
            case ast.comprehension():
                self._comprehension(node, slot)
            case ast.Call():
                self._call(node, slot)
            case ast.Constant():
                self._constant(node, slot)

    def _expression_statement(self, node: ast.Expr, slot: _Slot) -> None:
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(value, ast.Call):
            self._add(_start(node), "remove-statement", f"removed `{_code(node)}`", slot, ast.Pass())

    def _if(self, node: ast.If, slot: _Slot) -> None:
        if node.body and all(isinstance(s, ast.Raise) for s in node.body) and not node.orelse:
            what = f"removed `if {_code(node.test)}: raise ...`"
            self._add(_start(node), "remove-statement", what, slot, ast.Pass())
        if not _is_main_guard(node.test):
            self._negate(node, slot, "if")

    def _negate(self, node: ast.If | ast.While | ast.IfExp, slot: _Slot, keyword: str, where: str = "") -> None:
        # `if not c` gets no `if not not c`: the boolean operator already drops that `not`.
        if isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not):
            return
        new = copy.copy(node)
        new.test = _not(node.test)
        what = f"`{keyword} {_code(node.test)}` -> `{keyword} {_code(new.test)}`{where}"
        self._add(_start(node), "negate-condition", what, slot, new)

    def _comprehension(self, node: ast.comprehension, slot: _Slot) -> None:
        for index, test in enumerate(node.ifs):
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                continue
            new = copy.copy(node)
            new.ifs = [*node.ifs[:index], _not(test), *node.ifs[index + 1 :]]
            what = f"`if {_code(test)}` -> `if {_code(new.ifs[index])}` in a comprehension"
            self._add(_start(test), "negate-condition", what, slot, new)

    def _with(self, node: ast.With | ast.AsyncWith, slot: _Slot) -> None:
        # `with x as y` binds a name the body needs: without the `with`, y would be unbound.
        if len(node.items) != 1 or node.items[0].optional_vars is not None:
            return
        keyword = "async with" if isinstance(node, ast.AsyncWith) else "with"
        what = f"removed `{keyword} {_code(node.items[0].context_expr)}:` (body kept)"
        self._add(_start(node), "remove-with", what, slot, node.body)

    def _return(self, node: ast.Return, slot: _Slot) -> None:
        if isinstance(node.value, ast.Compare | ast.BoolOp):
            new = copy.copy(node)
            new.value = _not(node.value)
            self._add(_start(node), "return-value", f"`{_code(node)}` -> `{_code(new)}`", slot, new)

    def _augmented(self, node: ast.AugAssign, slot: _Slot) -> None:
        swapped = _ARITHMETIC_SWAPS.get(type(node.op))
        if swapped is not None:
            new = copy.copy(node)
            new.op = swapped()
            what = f"`{_SYMBOLS[type(node.op)]}=` -> `{_SYMBOLS[swapped]}=`"
            self._add(_start(node), "arithmetic", what, slot, new)

    def _compare(self, node: ast.Compare, slot: _Slot) -> None:
        for index, op in enumerate(node.ops):
            flipped = _COMPARE_FLIPS.get(type(op))
            if flipped is None:
                continue
            new = copy.copy(node)
            new.ops = [*node.ops[:index], flipped(), *node.ops[index + 1 :]]
            before = node.left if index == 0 else node.comparators[index - 1]
            what = f"`{_SYMBOLS[type(op)]}` -> `{_SYMBOLS[flipped]}`"
            self._add(_end(before), "compare", what, slot, new)

    def _boolean(self, node: ast.BoolOp, slot: _Slot) -> None:
        new = copy.copy(node)
        new.op = _BOOLEAN_SWAPS[type(node.op)]()
        what = f"`{_SYMBOLS[type(node.op)]}` -> `{_SYMBOLS[type(new.op)]}`"
        self._add(_end(node.values[0]), "boolean", what, slot, new)

    def _arithmetic(self, node: ast.BinOp, slot: _Slot) -> None:
        swapped = _ARITHMETIC_SWAPS.get(type(node.op))
        if swapped is not None:
            new = copy.copy(node)
            new.op = swapped()
            what = f"`{_SYMBOLS[type(node.op)]}` -> `{_SYMBOLS[swapped]}`"
            self._add(_end(node.left), "arithmetic", what, slot, new)

    def _call(self, node: ast.Call, slot: _Slot) -> None:
        label, func = _call_label(node), node.func
        if isinstance(func, ast.Attribute):
            at = (func.end_lineno or func.lineno, (func.end_col_offset or 0) - len(func.attr))
            # A call used as a statement is `remove-statement`'s; a call on a module is a library call, not a clause.
            if not isinstance(slot.parent, ast.Expr) and not self._on_module(func.value):
                self._add(at, "drop-call", f"removed `{label}`", slot, func.value)
            for other in _METHOD_SWAPS.get(func.attr, ()):
                new = copy.copy(node)
                new.func = copy.copy(func)
                new.func.attr = other
                self._add(at, "swap-call", f"`{label}` -> `{_call_label(new)}`", slot, new)
            if len(node.args) >= 2:
                for index, argument in enumerate(node.args):
                    new = copy.copy(node)
                    new.args = [*node.args[:index], *node.args[index + 1 :]]
                    what = f"dropped argument `{_code(argument)}` of `{label}`"
                    self._add(_start(argument), "drop-argument", what, slot, new)
        elif isinstance(func, ast.Name) and func.id in _BUILTIN_SWAPS:
            new = copy.copy(node)
            new.func = ast.Name(id=_BUILTIN_SWAPS[func.id], ctx=ast.Load())
            self._add(_start(node), "swap-call", f"`{label}` -> `{_call_label(new)}`", slot, new)
        for index, keyword in enumerate(node.keywords):
            if _documents(node, keyword):
                continue
            new = copy.copy(node)
            new.keywords = [*node.keywords[:index], *node.keywords[index + 1 :]]
            self._add(_start(keyword), "drop-keyword", f"dropped `{_code(keyword)}` from `{label}`", slot, new)

    def _on_module(self, node: ast.expr) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in self.modules

    def _constant(self, node: ast.Constant, slot: _Slot) -> None:
        # The literal text of an f-string is not a constant anyone wrote as one; None has no near miss.
        if isinstance(slot.parent, ast.JoinedStr):
            return
        value = node.value
        if isinstance(value, bool):
            self._add(_start(node), "constant", f"`{value}` -> `{not value}`", slot, ast.Constant(value=not value))
        elif isinstance(value, int):
            # `-1` is written as one number, so it is moved as one (to `-2` and `0`) by the `-` around it.
            if not (isinstance(slot.parent, ast.UnaryOp) and isinstance(slot.parent.op, ast.USub)):
                self._integer(node, slot, value)
        elif isinstance(value, str) and 0 < len(value) < _SHORT_STRING:
            self._add(_start(node), "constant", f"`{value!r}` -> `''`", slot, ast.Constant(value=""))

    def _integer(self, node: ast.expr, slot: _Slot, value: int) -> None:
        for new in (value + 1, value - 1):
            self._add(_start(node), "constant", f"`{value}` -> `{new}`", slot, ast.Constant(value=new))
