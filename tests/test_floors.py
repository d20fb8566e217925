"""The floors: which app may import which (ARCHITECTURE.md, "Floors").

Bottom to top::

    core < audit < firms < accounts < companies < tenancy < documents < store
         < assignments < deliveries < sso < portal < ops < demo < project

(``project`` is what sits in ``comptoir/`` itself: ``api.py``, ``urls.py``, ``settings.py``.)
Every ``.py`` under ``src/comptoir`` is read with ``ast``: imports at the top of a module and
inside a function both count, so a lazy import cannot hide a loop. Imports under
``if TYPE_CHECKING:`` are left out: they only name types for mypy (``actor: User`` in a floor
below ``accounts``), never run, and so cannot make a loop.

- ``core`` imports no app at all.
- A lower app imports a higher one only through that app's one seam, its ``hooks`` module
  (``from comptoir.deliveries import hooks``): plain functions the acting service calls, in
  its own transaction, in an order written at the call site.
- ``tenancy`` (the request's context, the API's authentication) sits above ``firms`` and
  ``companies`` because it reads their memberships; the interface modules of any app
  (``views*``, ``urls*``, ``api*``, ``forms*``, ``admin*``, ``templatetags/``,
  ``management/``, ``context_processors``, ``middleware``, ``adapter``) may still use it,
  since they serve a request made in a context. Their services, selectors and models may not.

A failure names the file, the line and the edge (``companies -> assignments``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "comptoir"

FLOORS = (
    "core",
    "audit",
    "firms",
    "accounts",
    "companies",
    "tenancy",
    "documents",
    "store",
    "assignments",
    "deliveries",
    "sso",
    "portal",
    "ops",
    "demo",
    "project",
)
RANK = {app: floor for floor, app in enumerate(FLOORS)}
SEAM = "hooks"
CONTEXT_APP = "tenancy"
INTERFACE_DIRS = {"templatetags", "management", "api", "views"}
INTERFACE_FILE = re.compile(
    r"^(views|urls|api|forms|admin)(_\w+)?$|^\w+_(views|urls)$|^(context_processors|middleware|adapter)$"
)


@dataclass(frozen=True)
class Edge:
    path: str  # relative to the package's parent: comptoir/companies/services.py
    line: int
    source: str  # app
    target: str  # app
    module: str  # what is imported: comptoir.assignments.services

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.source} -> {self.target} ({self.module})"


def app_of(module: str) -> str | None:
    """The app a dotted module belongs to, ``project`` for comptoir's own, None outside."""
    parts = module.split(".")
    if parts[0] != "comptoir":
        return None
    if len(parts) > 1 and parts[1] in RANK:
        return parts[1]
    return "project"


def module_of(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_interface(path: Path, root: Path) -> bool:
    """A module that serves requests (pages, API, admin, tags, commands...)."""
    inner = path.relative_to(root).parts[1:]  # without the app's own directory
    if any(part in INTERFACE_DIRS for part in inner[:-1]):
        return True
    return bool(INTERFACE_FILE.match(Path(inner[-1]).stem)) if inner else False


def imported_modules(node: ast.AST, *, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement reaches (``from a import b`` gives ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        parent = ".".join([*base, node.module] if node.module else base)
    else:
        parent = node.module or ""
    return [f"{parent}.{alias.name}" for alias in node.names]


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of the import nodes under ``if TYPE_CHECKING:``."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                found.update(id(inner) for inner in ast.walk(statement))
    return found


def import_edges(root: Path = SRC) -> list[Edge]:
    """Every import of one app by another, anywhere in a module (functions included)."""
    edges = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = module_of(path, root)
        source = app_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        types_only = _type_checking_only(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in types_only:
                continue
            for name in imported_modules(
                node, module=module, is_package=path.name == "__init__.py"
            ):
                target = app_of(name)
                if target is not None and source is not None and target != source:
                    rel = path.relative_to(root.parent).as_posix()
                    edges.append(Edge(rel, node.lineno, source, target, name))
    return edges


def is_allowed(edge: Edge, root: Path = SRC) -> bool:
    if edge.source == "core":
        return False  # the ground floor knows no app, not even a seam
    if RANK[edge.target] < RANK[edge.source]:
        return True
    seam = f"comptoir.{edge.target}.{SEAM}"
    if edge.module == seam or edge.module.startswith(seam + "."):
        return True
    return edge.target == CONTEXT_APP and is_interface(root.parent / edge.path, root)


def violations(root: Path = SRC) -> list[Edge]:
    return [edge for edge in import_edges(root) if not is_allowed(edge, root)]


def explain(found: list[Edge]) -> str:
    lines = "\n".join(f"  {edge}" for edge in found)
    return (
        f"{len(found)} import(s) break the floors ({' < '.join(FLOORS)}):\n{lines}\n"
        "A lower app reaches a higher one only through comptoir.<higher>.hooks "
        "(interface modules may also use tenancy); core imports no app."
    )


# --- the project --------------------------------------------------------------------------------


def test_core_imports_no_app():
    found = [edge for edge in import_edges() if edge.source == "core"]
    assert not found, explain(found)


def test_lower_apps_reach_higher_ones_only_through_their_hooks():
    found = violations()
    assert not found, explain(found)


def test_every_app_of_the_package_has_a_floor():
    apps = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps <= set(FLOORS), f"give these apps a floor in FLOORS: {sorted(apps - set(FLOORS))}"


# --- the checker itself, on a small tree of its own ---------------------------------------------


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "comptoir"
    write(root, "__init__.py", "")
    for package in ("core", "companies", "tenancy", "assignments", "assignments/api"):
        write(root, f"{package}/__init__.py", "")
    write(root, "assignments/hooks.py", "def member_removing(*, membership): ...\n")
    write(root, "assignments/services.py", "from comptoir.companies.models import Company\n")
    return root


def test_the_checker_reports_a_lazy_upward_import_with_its_file_and_line(tree):
    write(
        tree,
        "companies/services.py",
        '"""Removing a member."""\n\n\ndef company_member_remove():\n'
        "    from comptoir.assignments.services import revoke\n\n    revoke()\n",
    )
    found = violations(tree)
    assert [str(edge) for edge in found] == [
        "comptoir/companies/services.py:5: companies -> assignments "
        "(comptoir.assignments.services.revoke)"
    ]
    assert "comptoir/companies/services.py:5: companies -> assignments" in explain(found)


def test_the_checker_reports_core_importing_any_app_even_a_seam(tree):
    write(tree, "core/errors.py", "from comptoir.assignments import hooks\n")
    write(tree, "core/ids.py", "from ..companies.models import Company\n")  # relative, downward
    assert [(e.path, e.line, e.target) for e in violations(tree)] == [
        ("comptoir/core/errors.py", 1, "assignments"),
        ("comptoir/core/ids.py", 1, "companies"),
    ]


def test_the_checker_lets_the_seam_and_the_interface_rule_through(tree):
    write(tree, "companies/services.py", "from comptoir.assignments import hooks\n")
    write(tree, "companies/invitations.py", "import comptoir.assignments.hooks\n")
    write(tree, "companies/views.py", "from comptoir.tenancy.permissions import required\n")
    write(tree, "companies/templatetags/tags.py", "from comptoir.tenancy import contexts\n")
    write(
        tree,
        "core/typing.py",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from comptoir.companies.models import Company\n",
    )
    assert violations(tree) == []
    write(tree, "companies/selectors.py", "from comptoir.tenancy.contexts import get_tenant\n")
    write(tree, "companies/views_company.py", "from comptoir.assignments.api import router\n")
    assert [(e.path, e.target) for e in violations(tree)] == [
        ("comptoir/companies/selectors.py", "tenancy"),
        ("comptoir/companies/views_company.py", "assignments"),
    ]
