"""The ITS engine's modules import one another without a cycle and without deferred imports.

Designs turn models into results; checks and plots are functions over results. A module
imports the engine's others only at its top (imports for type checking aside; a plotting
library may be imported late, to keep start-up light), and the import graph among
``analysis.its`` modules has no cycle, so no module needs a function-level import to reach
one that imports it back.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import analysis.its

PACKAGE = Path(analysis.its.__file__).parent


def _module_imports(path: Path) -> tuple[set[str], list[int]]:
    """(analysis.its modules imported at run time at the top, lines of nested imports)."""
    tree = ast.parse(path.read_text())
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for sub in ast.walk(node) if isinstance(node, ast.Import | ast.ImportFrom) else []:
            if isinstance(sub, ast.ImportFrom) and sub.module:
                if sub.module == "analysis.its":
                    top.update(f"analysis.its.{a.name}" for a in sub.names)
                elif sub.module.startswith("analysis.its."):
                    top.add(sub.module)
            elif isinstance(sub, ast.Import):
                top.update(a.name for a in sub.names if a.name.startswith("analysis.its."))
    nested = [
        node.lineno
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
        if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"))
        or (isinstance(node, ast.Import) and any(a.name.startswith("analysis") for a in node.names))
    ]
    modules = {f"analysis.its.{p.stem}" for p in PACKAGE.glob("*.py")}
    return top & modules, nested


def test_no_function_level_imports_in_the_engine() -> None:
    found = {p.name: lines for p in PACKAGE.glob("*.py") if (lines := _module_imports(p)[1])}
    assert found == {}


def test_the_engine_import_graph_has_no_cycle() -> None:
    graph = {
        f"analysis.its.{p.stem}": _module_imports(p)[0]
        for p in PACKAGE.glob("*.py")
        if p.stem != "__init__"
    }
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message is the point
        raise AssertionError(f"import cycle: {exc.args[1]}") from None
    # Checks and plots sit above results, results above the error models.
    assert order.index("analysis.its.error_models") < order.index("analysis.its.result")
    assert order.index("analysis.its.placebo") < order.index("analysis.its.result")
    assert order.index("analysis.its.result") < order.index("analysis.its.segmented")
    assert order.index("analysis.its.segmented") < order.index("analysis.its.model")
