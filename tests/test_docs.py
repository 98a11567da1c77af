"""The README and `--help` say what the code does."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SEED_TITLE, subcommands
from kb.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SHELL_BLOCKS = re.findall(r"```sh\n(.*?)\n```", README, re.S)


def test_readme_opens_with_a_try_it_command_and_a_test_command():
    try_it, test_command = SHELL_BLOCKS[:2]
    assert "pip install ." in try_it and 'kb search "IRS AND ICE"' in try_it
    assert "pip install '.[test]'" in test_command and "pytest" in test_command


def test_ci_runs_exactly_the_readme_test_command_and_the_corpora_set():
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert SHELL_BLOCKS[1] in ci_lines
    assert ci_lines[-1] == "python -m pytest -m corpora"


def test_readme_try_it_command_finds_the_seed(tmp_path):
    """The first command, after its install step, run as a subprocess with the installed `kb`."""
    after_install = SHELL_BLOCKS[0].split("pip install . && ", 1)[1]
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "KB_PATH": str(tmp_path / "kb"), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", after_install], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Imported 1 article" in done.stdout
    assert f"1. {SEED_TITLE}" in done.stdout
    assert "[IRS]" in done.stdout and "[ICE]" in done.stdout


@pytest.mark.parametrize("name", sorted(subcommands(cli)))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name):
    command = subcommands(cli)[name]
    assert command.help and f"kb {name}" in command.help
    assert f"`kb {name}" in README


SHIPPED_DATA = ("importers/data", "kb/entities/data", "kb/entities/models")


def test_every_shipped_data_file_has_its_source_and_licence_in_the_notice():
    notice = (ROOT / "NOTICE").read_text()
    shipped = [path for folder in SHIPPED_DATA for path in sorted((ROOT / folder).iterdir())
               if path.is_file() and path.name != "NOTICE.md"]
    assert shipped
    unnamed = [str(path.relative_to(ROOT)) for path in shipped
               if path.name not in notice and f"{path.parent.relative_to(ROOT)}/*{path.suffix}" not in notice]
    assert not unnamed, f"data files the NOTICE does not name: {unnamed}"
    assert "GPL" not in notice
