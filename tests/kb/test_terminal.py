"""The `kb` command as a person meets it: on a terminal (a pseudo-terminal), and every
`--help` of the command tree as a process, with Click's own exit codes."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import click
import pytest

from helpers import SEED, SEED_TITLE, on_terminal, subcommands
from kb.cli import cli

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the tree, as the words that name it."""
    paths = []
    for name, command in subcommands(group).items():
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_help_of_the_command_tree_exits_0_as_a_process(flag, tmp_path):
    """One process walks the tree (a process per command would take minutes): each
    command's help is printed and its exit code is 0 (click 8.5's Exit is no
    ClickException: the group's error mapping turned it into 'unexpected Exit: 0', exit 1)."""
    paths = [()] + command_paths(cli)
    assert ("watch", "add") in paths and ("entities", "merge") in paths
    script = (
        "import json, sys\n"
        "from kb.cli import cli\n"
        "codes = {}\n"
        "for path in json.loads(sys.argv[1]):\n"
        "    try:\n"
        f"        cli.main([*path, {flag!r}], prog_name='kb', standalone_mode=True)\n"
        "    except SystemExit as end:\n"
        "        codes[' '.join(path)] = end.code\n"
        "print(json.dumps(codes))\n"
    )
    import json

    done = subprocess.run([sys.executable, "-c", script, json.dumps(paths)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "KB_PATH": str(tmp_path / "kb")})
    codes = json.loads(done.stdout.strip().splitlines()[-1])
    assert "unexpected" not in done.stderr and "Error" not in done.stderr, done.stderr
    assert {path: code for path, code in codes.items() if code not in (0, None)} == {}
    assert len(codes) == len(paths)
    assert "Usage: kb search" in done.stdout and "Usage: kb entities merge" in done.stdout


@pytest.mark.parametrize("words", [("search",), ("import",), ("watch", "add"), ("entities", "merge")])
def test_help_as_its_own_process_exits_0(words, tmp_path):
    done = subprocess.run([sys.executable, "-m", "kb", *words, "--help"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "KB_PATH": str(tmp_path / "kb")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: kb {' '.join(words)}") and done.stderr == ""


@pytest.fixture
def terminal_env(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "COLUMNS", "LINES")}
    return {**env, "KB_PATH": str(tmp_path / "kb")}


def test_main_commands_on_a_terminal_show_colour_and_no_error(terminal_env, tmp_path):
    """The README's first commands, typed into a terminal: matches in colour, no
    'unexpected' error (click 8.5 has no get_terminal_size: kb search failed on a terminal)."""
    code, shown = on_terminal(["import", str(SEED)], terminal_env)
    assert code == 0, shown
    assert "Imported 1 article" in shown and "Error" not in shown

    code, shown = on_terminal(["search", "IRS AND ICE"], terminal_env)
    assert code == 0, shown
    assert "Error" not in shown and "unexpected" not in shown
    plain = ANSI.sub("", shown)
    assert f"1. {SEED_TITLE}" in plain
    assert re.search(r"\x1b\[[0-9;]*m(IRS|ICE)\x1b\[0m", shown), "matches are not coloured"
    assert "[IRS]" not in shown  # brackets are for pipes and files
    snippets = [line for line in plain.splitlines() if "…" in line]
    assert snippets and all(line.startswith("     …") and line.endswith("…") for line in snippets), plain

    article_id = re.search(r"id ([0-9a-f]{8,})", plain) or re.search(r"\b([0-9a-f]{12,})\b", plain)
    assert article_id, plain
    for args in (["show", article_id.group(1), "--highlight", "ICE"], ["count", "ICE", "--by", "source"],
                 ["timeline", "ICE", "--by", "month"], ["entities"], ["stories"]):
        code, shown = on_terminal(args, terminal_env)
        assert code == 0 and "Error" not in shown and "Traceback" not in shown, (args, shown)
        assert ANSI.sub("", shown).strip(), args


def test_import_progress_is_shown_on_a_terminal(terminal_env, tmp_path):
    """A long import shows its progress on stderr when stderr is a terminal: the articles
    imported as they are stored (it said "0 imported" until a batch of 200 was), and where
    it created the knowledge base."""
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(300):
        (folder / f"{number}.txt").write_text(f"Council budget vote number {number}\n\n"
                                              f"The council voted on budget item {number} today in the city hall.\n")
    code, shown = on_terminal(["import", "--jobs", "1", str(folder)], terminal_env)
    assert code == 0, shown
    assert "Imported 300 articles" in shown
    assert f"Created a knowledge base at {terminal_env['KB_PATH']}" in shown
    imported = [int(count) for count in re.findall(r"Read [\d,]+ records: (\d+) imported", shown)]
    assert [count for count in imported if 0 < count < 300], shown
