"""The layer rule, enforced: dags → operators → sources → hooks → client; sync and state are used from
above; nothing imports upward; no import cycles. See docs/architecture.md ("Layers").

Imports are read with ``ast`` (function-level imports count too). ``KNOWN_VIOLATIONS`` lists what the
code still does against the rule while issue 9's restructuring lands; the test fails on any new violation
*and* on a listed one that is gone, so the list can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "plugins" / "netsuite_acton"

#: Leaf modules with no project imports: every layer may use them.
LEAVES = {"errors", "csv_safety"}
#: layer -> the other layers it may import (itself and the leaves always allowed).
ALLOWED: dict[str, set[str]] = {
    "client": set(),
    "state": set(),
    "sync": set(),
    "hooks": {"client", "state"},  # state: the Act-On token cache every worker shares
    "sources": {"hooks", "client", "sync", "state"},
    "operators": {"sources", "hooks", "client", "sync", "state", "assets", "dag_settings"},
    "assets": set(),
    "dag_settings": set(),
    "provider": {"hooks"},  # netsuite_acton/__init__.py: the provider info names the hooks
    "dags": {"operators", "assets", "dag_settings", "sync"},
    # the Airflow UI page: reads the state and run folders; no layer imports it (Airflow loads it by the
    # ``airflow.plugins`` entry point). Of the operators it may use only the run-folder layout.
    "ui": {"state", "sync", "client", "operators", "dag_settings"},
}
#: The only operator modules ``ui`` may import: where run folders are and how they are named.
UI_OPERATOR_MODULES = {"netsuite_acton.operators.staging", "netsuite_acton.operators.folders"}

KNOWN_VIOLATIONS: set[tuple[str, str]] = set()
KNOWN_CYCLES: set[frozenset[str]] = set()


def _module_name(path: Path) -> str:
    if path.is_relative_to(ROOT / "dags"):
        return "dags." + path.stem
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    if module.startswith("dags."):
        return "dags"
    parts = module.split(".")
    if len(parts) == 1:
        return "provider"
    return parts[1]


def _may_import(layer: str, target: str) -> bool:
    """Within a layer, yes; a leaf imports nothing of ours; anything else: the leaves and ``ALLOWED``."""
    if layer == target:
        return True
    if layer in LEAVES:
        return False
    return target in LEAVES or target in ALLOWED[layer]


def _imports() -> dict[str, set[str]]:
    """module -> the netsuite_acton modules it imports (resolved to modules, not names)."""
    files = [*PACKAGE.rglob("*.py"), *(ROOT / "dags").glob("*.py")]
    modules = {_module_name(f): f for f in files}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
                found = [name for name in names if name in modules]
                targets.update(found or [node.module])
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[module] = {
            t for t in targets if t.startswith("netsuite_acton") and t in modules and t != module
        }
    return graph


def test_imports_point_one_way() -> None:
    violations = {
        (module, target)
        for module, targets in _imports().items()
        for target in targets
        if not _may_import(_layer(module), _layer(target))
    }
    new = violations - KNOWN_VIOLATIONS
    assert not new, f"imports against the layer rule (docs/architecture.md): {sorted(new)}"
    fixed = KNOWN_VIOLATIONS - violations
    assert not fixed, f"fixed, well done: remove from KNOWN_VIOLATIONS: {sorted(fixed)}"


def test_ui_uses_only_the_run_folder_layout_of_the_operators() -> None:
    used = {
        target
        for module, targets in _imports().items()
        if _layer(module) == "ui"
        for target in targets
        if _layer(target) == "operators"
    }
    assert used <= UI_OPERATOR_MODULES, sorted(used - UI_OPERATOR_MODULES)


def test_no_import_cycles() -> None:
    graph = _imports()
    cycles: set[frozenset[str]] = set()

    def visit(module: str, stack: list[str]) -> None:
        for target in graph.get(module, ()):
            if target in stack:
                cycles.add(frozenset(stack[stack.index(target) :]))
            elif len(stack) < 12:
                visit(target, [*stack, target])

    for module in graph:
        visit(module, [module])
    assert cycles - KNOWN_CYCLES == set(), f"import cycles: {[sorted(c) for c in cycles - KNOWN_CYCLES]}"
    assert KNOWN_CYCLES - cycles == set(), "a known cycle is gone: remove it from KNOWN_CYCLES"


def test_sync_and_client_import_no_airflow() -> None:
    """Pure logic and transport stay testable and reusable without Airflow."""
    for layer in ("sync", "client", *sorted(LEAVES)):
        paths = (
            [PACKAGE / f"{layer}.py"]
            if (PACKAGE / f"{layer}.py").exists()
            else (PACKAGE / layer).glob("*.py")
        )
        for path in paths:
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                assert not any(n == "airflow" or n.startswith("airflow.") for n in names), path
