"""The house rules, checked on the source: who may import whom, where SQL and the
environment are read, how long a module may grow."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.helpers import ROOT

# {cli, web} -> api -> jobs -> {storage, fetch, outputs} -> core; errors and config for
# everyone; cli starts web (serve);
# spiders/ and pipelines/ are Scrapy's entry points, adapters over jobs.
BASE = {"crawler.core", "crawler.errors"}
ALLOWED = {
    "crawler.errors": set(),
    "crawler.core": BASE,
    "crawler.config": BASE | {"crawler.settings"},  # the project's Scrapy settings, read
    "crawler.storage": BASE | {"crawler.config", "crawler.storage"},
    "crawler.fetch": BASE | {"crawler", "crawler.config", "crawler.fetch"},
    "crawler.outputs": BASE | {"crawler", "crawler.config", "crawler.outputs"},
    "crawler.jobs": BASE | {"crawler.config", "crawler.storage", "crawler.fetch",
                            "crawler.outputs", "crawler.jobs"},
    "crawler.api": BASE | {"crawler.config", "crawler.storage", "crawler.fetch",
                           "crawler.outputs", "crawler.jobs"},
    "crawler.cli": BASE | {"crawler", "crawler.config", "crawler.api", "crawler.cli",
                           "crawler.web"},
    "crawler.web": BASE | {"crawler", "crawler.config", "crawler.api", "crawler.web"},
    "crawler.spiders": BASE | {"crawler.config", "crawler.fetch", "crawler.jobs",
                               "crawler.spiders"},
    "pipelines": BASE | {"crawler.config", "crawler.fetch", "crawler.jobs", "pipelines"},
    "crawler.settings": {"crawler", "crawler.config"},
    "crawler.__main__": {"crawler.cli"},
    "crawler": {"crawler.api"},
}
SOURCES = sorted([*(ROOT / "crawler").rglob("*.py"), *(ROOT / "pipelines").rglob("*.py")])


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path: Path) -> set[str]:
    """Our modules imported by a source file, at any depth (lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if is_module(child) else node.module)
    return {name for name in found if name.split(".")[0] in ("crawler", "pipelines")}


def layer(name: str) -> str:
    for candidate in sorted(ALLOWED, key=len, reverse=True):
        if name == candidate or name.startswith(candidate + "."):
            return candidate
    raise AssertionError(f"{name}: in no layer")


@pytest.mark.parametrize("path", SOURCES, ids=module_name)
def test_imports_follow_the_layers(path):
    mine = layer(module_name(path))
    wrong = {name for name in imports(path) if layer(name) not in ALLOWED[mine] | {mine}}
    assert wrong == set(), f"{module_name(path)} ({mine}) must not import {sorted(wrong)}"


@pytest.mark.parametrize("path", SOURCES, ids=module_name)
def test_no_module_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


_SQL = re.compile(r"\b(?:SELECT\s.+\sFROM|INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|"
                  r"DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|TRIGGER|VIRTUAL))\b")


@pytest.mark.parametrize("path", SOURCES, ids=module_name)
def test_sql_only_in_storage(path):
    if module_name(path).startswith("crawler.storage"):
        return
    strings = [node.value for node in ast.walk(ast.parse(path.read_text()))
               if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not [text for text in strings if _SQL.search(text)]


@pytest.mark.parametrize("path", SOURCES, ids=module_name)
def test_the_environment_is_read_only_in_config(path):
    if module_name(path) == "crawler.config":
        return
    assert not re.search(r"os\.(?:getenv|environ)", path.read_text())


def test_every_setting_is_documented_where_it_is_read():
    from crawler.config import SETTINGS

    sources = {module_name(path): path.read_text() for path in SOURCES}
    for name in SETTINGS:
        readers = [module for module, text in sources.items()
                   if re.search(rf'\bget\([^()]*"{name}"', text) and module != "crawler.config"]
        documented = [module for module, text in sources.items()
                      if f"``{name}``" in text or f"``{name.rsplit('_', 1)[0]}_*``" in text]
        if not readers:  # read through a builder of crawler.config (config.schedule)
            assert documented, f"{name} is documented nowhere"
        else:
            assert set(readers) & set(documented), (
                f"{name} is read in {readers} but documented in none of them")


TEST_MODULES = sorted(path for path in (ROOT / "tests").rglob("test_*.py"))


@pytest.mark.parametrize("path", TEST_MODULES, ids=lambda path: module_name(path))
def test_test_modules_share_helpers_not_each_other(path):
    """What tests share lives in tests/helpers.py (fixtures in tests/conftest.py): a test
    module imported by another runs its tests' imports, fixtures and skips there too."""
    tiers = {"tests.unit", "tests.storage", "tests.components", "tests.cli", "tests.e2e"}
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {name for name in imported if name.rsplit(".", 1)[0] in tiers}
