"""How the project hangs together: data flows one way (DESIGN.md), no module imports one
that imports it back, no module outgrows a reader, and no role is named outside accounts.

Imports are read from the source, at a module's top and inside its functions alike: an
import put off until a function runs still ties the two modules together.
"""

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

#: Each part of the project and the parts it may import. The flow of DESIGN.md: a file is
#: checked by uploads into inspections' cases, compliance figures them, the dashboard shows
#: them; accounts decides who sees what; core and forces are the ground they all stand on.
MAY_IMPORT = {
    "core": set(),
    "forces": {"core"},
    "accounts": {"core", "forces"},
    "inspections": {"core", "forces", "accounts"},
    "sampling": {"core", "forces", "accounts", "inspections"},
    "uploads": {"core", "forces", "accounts", "inspections", "sampling"},
    "compliance": {"core", "forces", "accounts", "inspections", "sampling"},
    "judgement": {"core", "forces", "accounts", "inspections", "sampling", "compliance"},
    "publication": {
        *("core", "forces", "accounts", "inspections", "sampling", "compliance", "judgement"),
    },
    "api": {
        *("core", "forces", "accounts", "inspections", "sampling", "compliance", "judgement"),
        "publication",
    },
    "dashboard": {
        *("core", "forces", "accounts", "inspections", "sampling", "compliance", "judgement"),
        "publication",
    },
}
#: Above ~550 lines a module holds more than one responsibility (migrations aside).
LONGEST_MODULE = 550


def source_files():
    for folder in (ROOT / "inspect_app", ROOT / "forces"):
        for path in folder.rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(module: str) -> str | None:
    """The part of the project (a key of MAY_IMPORT) a module belongs to, if any."""
    pieces = module.split(".")
    if pieces[0] == "forces":
        return "forces"
    if pieces[0] == "inspect_app" and len(pieces) > 1 and pieces[1] in MAY_IMPORT:
        return pieces[1]
    return None  # the project's own wiring: settings, urls, celery, wsgi


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The project's modules ``path`` imports (``from package import module`` included)."""
    found = set()
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known}


def import_graph():
    files = {module_name(path): path for path in source_files()}
    known = set(files)
    return {name: imports_of(path, known) - {name} for name, path in files.items()}


def test_every_part_imports_only_the_parts_below_it():
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if part_of(module)
        and part_of(target)
        and part_of(target) != part_of(module)
        and part_of(target) not in MAY_IMPORT[part_of(module)]
    )
    assert upward == []


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    cycles, done = [], set()

    def visit(name, trail):
        for target in sorted(graph[name]):
            if target in trail:
                cycles.append(" -> ".join(trail[trail.index(target) :] + [target]))
            elif target not in done:
                visit(target, [*trail, target])
        done.add(name)

    for name in sorted(graph):
        visit(name, [name])
    assert cycles == []


def test_no_module_outgrows_one_responsibility():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in source_files()
        if (lines := len(path.read_text().splitlines())) > LONGEST_MODULE
    }
    assert long == {}


#: A role named in code or a template: ``Role.X``, ``user.role``, ``role__in``, or a role's
#: stored value compared in a template.
ROLE_NAMED = re.compile(
    r"\bRole\.[A-Z_]+|\.role\b|\brole__in\b|role\s*==|==\s*\"(admin|lead_inspector|inspector)\""
)


def test_no_role_is_named_outside_accounts():
    # The demo's user list is data, not a rule: it says who each demo user is.
    exempt = {ROOT / "inspect_app" / "inspections" / "demo.py"}
    places = [*source_files(), *(ROOT / "templates").rglob("*.html")]
    named = sorted(
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in places
        if "accounts" not in path.relative_to(ROOT).parts and path not in exempt
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_NAMED.search(line)
    )
    assert named == []
