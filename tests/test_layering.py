"""Imports run one way: an app imports only apps of its own tier or below (STYLE.md, "Which way
imports run"). Every module of hrflow/ and workflows/ is parsed (no import runs) and each import of
an HRflow module is checked against the tier table below. A new app must be placed in LAYERS, or
this test fails and says where it lives.

Where a lower app must reach a higher one (a veto opens an exit case), the higher app registers a
function or listens for a signal at start-up (hrflow.core.audited, hrflow.exports.registry). Imports
inside functions count as much as those at the top: a cycle hidden in a function is still a cycle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. An app may import its own tier and the tiers before it, never one after it.
LAYERS = [
    {"policy"},  # the rules as pure Python: no Django, no other app
    {"core"},  # history, paging, throttling, xlsx, the audited registry, the tag library
    {"org"},  # the tree of units, schools, dormitories, roles and scope
    {"notifications", "exports", "workflows"},  # base services, core and org only; flows are node wiring
    {"people"},  # persons and their employments
    {"audit"},  # the change log, read through core.audited; hiring's round timeline reads it
    {"contracts", "training", "staffing"},  # contracts, certificates and training, staffing compliance
    {"hiring", "rosters", "appraisal", "exits"},  # open selection, staff roster imports, appraisal, exits
    {"demo"},  # demo and scale data: writes into every app
    {"shell"},  # hrflow/*.py: settings, urls, site, home, context processors, celery, wsgi
]
TIER = {app: tier for tier, apps in enumerate(LAYERS) for app in apps}


def app_of(module: str) -> str | None:
    """The app a dotted module belongs to; None for anything that is not HRflow's."""
    parts = module.split(".")
    if parts[0] == "workflows":
        return "workflows"
    if parts[0] != "hrflow":
        return None
    if len(parts) == 1:
        return "shell"
    if (ROOT / "hrflow" / parts[1]).is_dir():
        return parts[1]
    return "shell"  # a top-level module: hrflow/site.py, hrflow/urls.py, ...


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources():
    for top in ("hrflow", "workflows"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imported_modules(path: Path):
    """(line, dotted module) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "hrflow":
                # `from hrflow import hiring`: the app is in the imported names.
                for alias in node.names:
                    yield node.lineno, f"hrflow.{alias.name}"
            else:
                yield node.lineno, module


def upward_imports(paths) -> list[str]:
    found = []
    for path in paths:
        here = app_of(module_name(path))
        for line, module in imported_modules(path):
            there = app_of(module)
            if there is None or there == here:
                continue
            if here not in TIER or there not in TIER:
                continue  # reported by test_every_app_is_placed
            if TIER[there] > TIER[here]:
                found.append(f"{path.relative_to(ROOT)}:{line} {here} imports {module} ({there} is above it)")
    return found


def test_every_app_is_placed():
    apps = {app_of(module_name(path)) for path in sources()}
    unplaced = sorted(app for app in apps if app not in TIER)
    assert not unplaced, f"place these apps in tests/test_layering.py LAYERS: {unplaced}"


def test_no_import_goes_upward():
    found = upward_imports(sources())
    assert not found, "imports against the layering (STYLE.md):\n" + "\n".join(found)


def test_policy_imports_no_django_and_no_other_app():
    offending = []
    for path in (ROOT / "hrflow" / "policy").rglob("*.py"):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top == "django" or (app_of(module) not in (None, "policy")):
                offending.append(f"{path.relative_to(ROOT)}:{line} {module}")
    assert not offending, "hrflow.policy is pure Python:\n" + "\n".join(offending)


@pytest.mark.parametrize("source, upward", [
    ("from hrflow.hiring import selectors\n", True),
    ("from hrflow.hiring.models import Application\n", True),
    ("import hrflow.people.models\n", True),
    ("from hrflow import hiring\n", True),
    ("def f():\n    from hrflow.demo.data import seed_demo\n", True),
    ("from hrflow.policy import RULES\n", False),
    ("from hrflow.core.paging import keyset_page\n", False),
    ("from django.db import models\n", False),
])
def test_the_check_catches_an_upward_import_in_core(tmp_path, monkeypatch, source, upward):
    """What the check sees in a module of hrflow/core (written to a scratch tree of the same shape)."""
    core = tmp_path / "hrflow" / "core"
    core.mkdir(parents=True)
    for app in TIER:
        (tmp_path / "hrflow" / app).mkdir(exist_ok=True)
    module = core / "scratch.py"
    module.write_text(source)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert bool(upward_imports([module])) is upward


def test_relative_imports_resolve_to_their_app(tmp_path, monkeypatch):
    """`from ..hiring import x` in hrflow/core/sub/mod.py is hiring's, not core's."""
    sub = tmp_path / "hrflow" / "core" / "sub"
    sub.mkdir(parents=True)
    for app in TIER:
        (tmp_path / "hrflow" / app).mkdir(exist_ok=True)
    module = sub / "mod.py"
    module.write_text("from ...hiring import selectors\nfrom .. import paging\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert [m for _line, m in imported_modules(module)] == ["hrflow.hiring", "hrflow.core"]
    assert len(upward_imports([module])) == 1
