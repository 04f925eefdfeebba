"""The README is what a newcomer pastes: keep it true."""

from __future__ import annotations

import re

from crawler.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()


def setup_commands() -> list[str]:
    section = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.DOTALL)


def test_exactly_two_setup_commands_one_runs_the_tests():
    install_and_run, install_and_test = setup_commands()
    assert "pip install -e ." in install_and_run and "sourcekeeper crawl" in install_and_run
    assert install_and_test.endswith("pytest")


def test_ci_runs_the_readme_test_command():
    assert setup_commands()[1] in (ROOT / ".ci" / "run").read_text()


def test_every_command_is_in_the_readme():
    for name in cli.commands:
        assert f"sourcekeeper {name}" in README, name


def test_the_layers_are_in_the_readme():
    section = README.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    assert "cli → api → jobs → {storage, fetch, outputs} → core" in section


def test_the_package_exports_the_api_and_the_readme_names_it():
    import crawler
    from crawler import api

    assert sorted(crawler.__all__) == sorted([*api.__all__, "__version__"])
    section = README.split("## Python API", 1)[1].split("\n## ", 1)[0]
    functions = [name for name in api.__all__ if callable(getattr(api, name))
                 and name.islower()]
    assert [name for name in functions if f"`{name}`" not in section
            and f"crawler.{name}(" not in section] == []
