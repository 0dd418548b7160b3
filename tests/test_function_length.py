"""No function in the spinops package is longer than 80 lines (docstring and comments included).

A long function hides its steps; splitting it into helpers with names that say what each step does is
the project's habit (docs/contracts.md, "Lint habits"). Reads every module with `ast`, so nested
functions and methods count on their own, and reports each offender as file:line name (length).
"""

from __future__ import annotations

import ast

from spinops_testlib import ROOT

PACKAGE = ROOT / "scripts" / "spinops"
MAX_LINES = 80

#: Functions still over the limit, each to be split by the area's owner: (path under scripts/spinops, name).
#: Empty when every function fits; a listed function that fits fails the test so the list only shrinks.
PENDING: set[tuple[str, str]] = set()


def _functions() -> list[tuple[str, int, str, int]]:
    """(module path, first line, qualified name, length in lines) of every function and method."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()

        def visit(node: ast.AST, prefix: str, rel: str = rel) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    name = f"{prefix}{child.name}"
                    out.append((rel, child.lineno, name, (child.end_lineno or child.lineno) - child.lineno + 1))
                    visit(child, f"{name}.")
                elif isinstance(child, ast.ClassDef):
                    visit(child, f"{prefix}{child.name}.")
                else:
                    visit(child, prefix)

        visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return out


def test_the_walk_sees_functions_methods_and_nested_functions():
    names = {(rel, name) for rel, _, name, _ in _functions()}
    assert ("errors.py", "SpinopsError.__init__") in names and ("errors.py", "Problem.where") in names
    assert ("benchmarks/check.py", "_python_jsonschema_per_resource.py_validate") in names
    assert len(names) > 500


def test_no_function_longer_than_80_lines():
    too_long = [
        f"scripts/spinops/{rel}:{line} {name} ({n} lines)"
        for rel, line, name, n in _functions()
        if n > MAX_LINES and (rel, name) not in PENDING
    ]
    assert not too_long, f"functions over {MAX_LINES} lines (split them into named helpers):\n" + "\n".join(too_long)


def test_pending_list_only_names_functions_still_too_long():
    lengths = {(rel, name): n for rel, _, name, n in _functions()}
    fixed = sorted(key for key in PENDING if lengths.get(key, 0) <= MAX_LINES)
    assert not fixed, f"no longer over {MAX_LINES} lines (or gone): remove from PENDING: {fixed}"
