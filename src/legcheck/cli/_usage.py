"""Usage errors (a bad flag, a missing argument, a bad value) as one line, exit 2, ``--json`` honoured.

click parses a command's options before the command runs, so such an error never reaches
:func:`legcheck.cli._common.handles_errors`, and click's own report is four lines (usage, a hint,
a blank line, the error). :class:`OneLineUsageGroup` reports it as every other error is reported:
``legcheck: error: <message> (see 'legcheck <command> --help')`` on stderr, and with ``--json``
among the arguments also ``{"error": {"code": "usage", "exit_code": 2, "message": ...}}`` on
stdout. ``legcheck`` alone (no command) still prints the help.
"""

from __future__ import annotations

import json
import sys

import click

from ..textsafe import shown


class OneLineUsageError(click.ClickException):
    """A click usage error, shown on one line (and as the JSON error object when ``as_json``)."""

    def __init__(self, exc: click.UsageError, as_json: bool):
        super().__init__(exc.format_message())
        self.exit_code = exc.exit_code
        self.as_json = as_json
        path = exc.ctx.command_path if exc.ctx is not None else "legcheck"
        self.help_hint = f" (see '{path} --help')"

    def show(self, file=None) -> None:
        message = shown(self.message.replace("\n", " "))
        if self.as_json:
            click.echo(json.dumps({"error": {"code": "usage", "exit_code": self.exit_code, "message": message}}))
        click.echo(f"legcheck: error: {message}{self.help_hint}", err=True)


class OneLineUsageGroup(click.Group):
    """The top command group: click's usage errors become :class:`OneLineUsageError`."""

    _as_json = False

    def main(self, args=None, *rest, **kw):
        args = list(sys.argv[1:] if args is None else args)
        self._as_json = "--json" in args
        return super().main(args, *rest, **kw)

    def _one_line(self, exc: click.UsageError):
        if isinstance(exc, click.exceptions.NoArgsIsHelpError):  # `legcheck` alone: the help, as click shows it
            return exc
        return OneLineUsageError(exc, self._as_json)

    def make_context(self, *args, **kw):
        try:
            return super().make_context(*args, **kw)
        except click.UsageError as exc:
            raise self._one_line(exc) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise self._one_line(exc) from None
