"""What every command shares: the `kb` group, its context, error mapping, exit codes and
the options several commands take."""
from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import shutil
import sys
from enum import IntEnum

import click

from kb import render
from kb.errors import KBError

HIT_FORMATS = ("text", "json", "jsonl", "csv", "ids")


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # a failure newskb explains in one line
    USAGE = 2  # a bad invocation (Click's own code)
    PARTIAL = 3  # an import that stored what it could but had failed files
    NOTHING_IMPORTED = 1  # an import whose every record was skipped (or failed)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as the shell reports it)
    NOTHING_NEW = 1  # `kb watch run` found no new match (the shell's "false")


class Context:
    """What every command shares: the knowledge base location, opened on demand."""

    def __init__(self, kb_path: str | None, debug: bool, kept=None):
        """`kept`: the knowledge base a resident searcher keeps open between searches
        (kb.resident_server), used as it is and not closed."""
        self.kb_path, self.debug = kb_path, debug
        self._kb = kept

    def open(self, create: bool = False, extractor: str | None = None, index=None):
        """The knowledge base, opened on first use and closed when the command ends (its
        files too, where the CLI runs inside another program)."""
        if self._kb is None:
            from kb.api import KnowledgeBase  # Whoosh loads only for commands that open a knowledge base

            self._kb = KnowledgeBase(self.kb_path, create=create, extractor=extractor, index=index)
            click.get_current_context().find_root().call_on_close(self._kb.close)
        return self._kb


pass_context = click.make_pass_decorator(Context)


class StderrLines(logging.Handler):
    """The library's warnings (an index of an older version being rebuilt) as lines on
    stderr, through click (the stream of the command being run)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


LIBRARY_WARNINGS = StderrLines(logging.WARNING)


# Click's own ways of ending a command (`--help` raises Exit(0)); since click 8.5 Exit and
# Abort are no ClickException.
CLICK_ENDINGS = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


class Group(click.Group):
    """Loads a command's module only when the command is asked for (a search needn't load
    the other commands, nor what they import), and maps every failure to one line on
    stderr (a traceback only with --debug). `lazy_commands` maps each name to
    "module.attribute", as in Click's documentation of lazy loading."""

    def __init__(self, *args, lazy_commands: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx, name):
        if name not in self.lazy_commands:
            return super().get_command(ctx, name)
        module, _, attribute = self.lazy_commands[name].rpartition(".")
        return getattr(importlib.import_module(module), attribute)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            silence_stdout()
            raise  # Click ends quietly when the reader has gone (`kb stats | head -1`)
        except (KBError, Exception) as error:
            if isinstance(error, CLICK_ENDINGS) or ctx.obj is None or ctx.obj.debug:
                raise
            click.echo(f"Error: {render.safe(error_line(error))}", err=True)
            if isinstance(error, OSError):  # perhaps standard output's: Python would write it again at exit
                silence_stdout()
            ctx.exit(ExitCode.ERROR)


def error_line(error: Exception) -> str:
    """What to tell the user about a failure: a KBError says it itself; a file that cannot
    be read or written is named, with the reason ("No space left on device" alone when the
    system names none); anything else is unexpected."""
    if isinstance(error, KBError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename}: {error.strerror}" if error.filename is not None else error.strerror
    return f"unexpected {type(error).__name__}: {error} (run with --debug for the traceback)"


def silence_stdout() -> None:
    """Send what is left of standard output nowhere: its reader has closed the pipe, and
    the data still buffered would fail again when Python flushes it at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        sys.stdout.flush()
    except (OSError, ValueError):  # no file descriptor (an in-process test runner)
        pass


def color_enabled(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def marker(no_color: bool):
    """How matches are marked: colour on a terminal, [brackets] elsewhere."""
    if color_enabled(no_color):
        return lambda text: click.style(text, bold=True, fg="yellow")
    return render.bracket


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def snippet_width() -> int:
    """Fragments of about two terminal lines (minus the indent); 240 characters off a terminal."""
    if not sys.stdout.isatty():
        return 240
    return max(60, (shutil.get_terminal_size().columns - 6) * 2)


def parse_entity(ctx, param, values):
    """`--entity org:ICE` -> ("org", "ICE")."""
    pairs = []
    for value in values:
        kind, sep, name = value.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r}: use TYPE:NAME, e.g. org:ICE or person:\"Kristi Noem\"")
        pairs.append((kind.strip().lower(), name.strip()))
    return pairs


def filter_options(command):
    """--since/--until/--source/--entity, shared by search and count."""
    options = [
        click.option("--since", metavar="DATE", help="Published on or after (2025, 2025-01 or 2025-01-31)."),
        click.option("--until", metavar="DATE", help="Published on or before (2025, 2025-01 or 2025-01-31)."),
        click.option("--source", "sources", multiple=True, metavar="NAME", help="Only from this source (repeatable)."),
        click.option("--entity", "entities", multiple=True, metavar="TYPE:NAME", callback=parse_entity,
                     help="Only articles mentioning this entity, e.g. org:ICE (repeatable)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def index_options(command):
    """--index/--url/--index-name/--ca-file/--insecure/--shards, shared by init and reindex;
    the command receives them as `index`: IndexSettings, or None without --index."""
    @functools.wraps(command)
    def with_settings(*args, index, url, index_name, ca_file, insecure, shards, **kwargs):
        if index is None and (url or index_name or ca_file or insecure or shards):
            raise click.UsageError("--url, --index-name, --ca-file, --insecure and --shards go with --index opensearch")
        settings = None
        if index is not None:
            from index.settings import IndexSettings

            settings = IndexSettings(index, url=url, index_name=index_name, ca_file=ca_file, verify=not insecure,
                                     shards=shards)
        return command(*args, index=settings, **kwargs)

    options = [
        click.option("--index", type=click.Choice(["whoosh", "opensearch"]),
                     help="Where the full-text index lives: whoosh (in the folder, the default) or opensearch. "
                          "Credentials come from $NEWSKB_OPENSEARCH_USER and $NEWSKB_OPENSEARCH_PASSWORD, "
                          "or $NEWSKB_OPENSEARCH_API_KEY."),
        click.option("--url", metavar="URL", help="The OpenSearch cluster (https://HOST:9200; several comma-separated)."),
        click.option("--index-name", metavar="NAME",
                     help="The OpenSearch index (an alias) to use [default: newskb-<random>]."),
        click.option("--ca-file", type=click.Path(exists=True, dir_okay=False),
                     help="CA bundle to verify the cluster's TLS certificate with."),
        click.option("--insecure", is_flag=True, help="Do not verify the cluster's TLS certificate."),
        click.option("--shards", type=click.IntRange(1, 1024), metavar="N",
                     help="Primary shards of the OpenSearch index, each with a replica [default: 2]; "
                          "about one per machine the index is to spread over."),
    ]
    for option in reversed(options):
        with_settings = option(with_settings)
    return with_settings


def format_option(choices=HIT_FORMATS):
    return click.option("--format", "output", type=click.Choice(choices), default="text", show_default=True,
                        help="Output format.")


# Each command's module, loaded when the command runs or a help lists it.
COMMANDS = {
    **{name: f"kb.cli.searching.{name}" for name in ("search", "show", "similar", "count")},
    **{name: f"kb.cli.analysis.{name}" for name in ("timeline", "network", "watch", "stories", "story")},
    **{name: f"kb.cli.entities.{name}" for name in ("entities", "entity")},
    "init": "kb.cli.importing.init", "import": "kb.cli.importing.import_",
    **{name: f"kb.cli.maintenance.{name}" for name in ("stats", "reextract", "reindex", "check", "optimize",
                                                        "importers")},
}


@click.group(cls=Group, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newskb")
@click.option("--kb", "kb_path", metavar="PATH",
              help="Knowledge base folder (default: $KB_PATH, else ~/.local/share/newskb).")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx, kb_path, debug):
    """newskb: a searchable full-text news knowledge base.

    \b
    kb import articles/
    kb search "IRS AND ICE"
    """
    logging.getLogger("index").addHandler(LIBRARY_WARNINGS)  # (once: a handler is added only once)
    ctx.obj = Context(kb_path, debug, kept=ctx.obj)
