"""The ``sourcekeeper`` command: a thin layer over crawler.api.

Each command lives in a module of its own and does three things: parse its options, make one
API call, print the result. Errors are mapped here, once: any
:class:`~crawler.errors.SourcekeeperError` becomes one line on stderr, ``sourcekeeper:
<message>``, and the exit code of its branch of the tree: 0 the command did its job (a crawl
that recorded some failed URLs included), 1 it could not (archive unusable, crawl already
running or interrupted, URL failed), 2 usage error; 128 + N when stopped by signal N.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import warnings
from typing import Any

import click

from crawler import __version__
from crawler.core.terminal import printable
from crawler.errors import SettingWarning, SourcekeeperError


_default_show_warning = warnings.showwarning


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """Our warnings (a setting nobody reads) as one ``sourcekeeper: warning:`` line."""
    if issubclass(category, SettingWarning):
        click.echo(f"sourcekeeper: warning: {message}", err=True)
    else:
        _default_show_warning(message, category, *args, **kwargs)


class _TerminalStdout:
    """Standard output at a terminal, through :func:`crawler.core.terminal.printable`: what
    archived pages say is shown, never obeyed."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class SourcekeeperGroup(click.Group):
    """Maps the error tree to one line and an exit code, for every command; click's own
    usage errors too (one ``sourcekeeper:`` line naming the option, not a usage block)."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            click.echo(f"sourcekeeper: {exc.format_message()}{where}", err=True)
            code = exc.exit_code
        except click.ClickException as exc:
            click.echo(f"sourcekeeper: {exc.format_message()}", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("sourcekeeper: aborted", err=True)
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    # --help lists the commands in the order a person meets them, not alphabetically.
    ORDER = ("urls", "crawl", "schedule", "refetch", "recover", "status", "list", "report", "show",
             "history", "diff", "changes", "search", "serve", "export", "forget", "worker",
             "ingest")

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: (self.ORDER.index(name) if name in self.ORDER
                                               else len(self.ORDER), name))

    def invoke(self, ctx: click.Context) -> Any:
        warnings.showwarning = _show_warning
        if sys.stdout.isatty() and not isinstance(sys.stdout, _TerminalStdout):
            sys.stdout = _TerminalStdout(sys.stdout)
        try:
            return super().invoke(ctx)
        except SourcekeeperError as exc:
            from crawler.cli.options import TIMESTAMPS, local_now

            stamp = f"{local_now()} " if ctx.meta.get(TIMESTAMPS) else ""
            click.echo(f"{stamp}sourcekeeper: {exc}", err=True)
            ctx.exit(exc.exit_code)
        finally:
            warnings.showwarning = _default_show_warning


def _exit_at_once_on_signals(exit_code: int) -> None:
    """The command is done (a crawl's end recorded): a Ctrl-C or SIGTERM while Python shuts
    down (joining threads and extraction processes, under a second) ends the process at once
    with the command's exit code, not with a KeyboardInterrupt from an exit handler. From
    the exit handlers on, such a signal is ignored: Python's last steps put the default
    action back for every signal with a handler of ours, and a Ctrl-C landing then killed the
    process (exit status -2 instead of the command's code; seen in tests/e2e/test_crash.py
    when a second Ctrl-C met a crawl that was already ending)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: os._exit(exit_code))
    atexit.register(_ignore_stop_signals)  # registered last: run first


def _ignore_stop_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


@click.group(cls=SourcekeeperGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sourcekeeper")
def cli() -> None:
    """Find the sources your documents cite, fetch them and archive timestamped snapshots."""


def main() -> None:
    """The ``sourcekeeper`` program (and ``python -m crawler``)."""
    try:
        cli(prog_name="sourcekeeper")
    except SystemExit as done:
        code = done.code
        _exit_at_once_on_signals(0 if code is None else code if isinstance(code, int) else 1)
        raise


# The command modules register themselves on ``cli``.
from crawler.cli import (  # noqa: E402,F401
    changes, crawl, diff, distributed, export, forget, history, listing, recover, refetch,
    report, schedule, search, serve, show, status, urls,
)
