"""How the uploads package hangs together: no import cycles, no call into compliance, and
no heavy library loaded just because the app is."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "inspect_app.uploads"
FOLDER = ROOT / "inspect_app" / "uploads"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(path): path for path in FOLDER.rglob("*.py")}


def imported(path: Path, known) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            # "from package import module" imports the module.
            found.update(
                f"{node.module}.{alias.name}"
                for alias in node.names
                if f"{node.module}.{alias.name}" in known
            )
    return found


def test_no_module_of_uploads_imports_one_that_imports_it_back():
    known = modules()
    graph = {name: imported(path, known) & known.keys() for name, path in known.items()}
    cycles = []

    def visit(name, trail):
        for target in sorted(graph[name]):
            if target in trail:
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in done:
                visit(target, [*trail, target])
        done.add(name)

    done = set()
    for name in sorted(graph):
        visit(name, [name])
    assert cycles == []


def test_uploads_leaves_the_figures_to_compliance_and_its_signals():
    known = modules()
    callers = {
        name
        for name, path in known.items()
        if any(target.startswith("inspect_app.compliance") for target in imported(path, known))
    }
    assert callers == set()


def test_loading_the_app_and_its_pages_does_not_load_openpyxl():
    code = (
        "import sys, django; django.setup(); "
        "import inspect_app.uploads.views, inspect_app.uploads.tasks; "
        "import inspect_app.uploads.management.commands.import_batch; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "inspect_app.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
