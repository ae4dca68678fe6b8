"""The one error mapping of the command line: a user-caused error is one line on stderr and its exit code.

Standard output is a file like any other: a full disk there is exit 14 naming "standard
output"; a reader that went away (``legcheck log | head -1``) ends the command quietly with exit
141 (128 + SIGPIPE), what a Unix tool killed by SIGPIPE reports, so a pipeline under
``set -o pipefail`` can still tell that the output was cut short.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys

import click

from ..errors import FileAccessError, LegcheckError
from ..textsafe import shown

#: Where the fix of a library error is spelled out for the command line (the library names no flags).
FLAG_HINTS = {"duplicate_photo": " (--allow-duplicate-photo)", "safeguard": ' (--override-red-flag "reason")',
              "output_exists": " (or --force to replace it)"}
#: The library's parameter names in a usage error, as the command line spells them.
PARAM_FLAGS = {"near_left_px": "--near-left", "near_right_px": "--near-right", "left_heel_px": "--left-heel",
               "right_heel_px": "--right-heel", "heel_height_mm": "--heel-height-mm"}
#: Exit status when the reader of standard output went away (128 + SIGPIPE, as the shell shows a killed tool).
EXIT_BROKEN_PIPE = 141


def fail(exc: LegcheckError, as_json: bool = False):
    """Print a user-caused error as one line on stderr and exit with its code.

    Parameters
    ----------
    exc : LegcheckError
    as_json : bool
        Also print ``{"error": {...}}`` on stdout (the ``--json`` contract).

    Raises
    ------
    SystemExit
        Always, with ``exc.exit_code``.
    """
    if exc.code == "board_layout":  # the library names no flags; here is where the fix is spelled out
        exc.message += {True: " (--legacy-board)", False: " (without --legacy-board)"}.get(
            getattr(exc, "legacy", None), " (--board-squares, --board-square-mm, --board-marker-mm, --legacy-board)")
    if exc.code == "calibration_pattern":
        exc.message += (" (--chessboard: inner corners across x down; --square-mm)" if exc.chessboard else
                        " (--board-squares, --dictionary, --legacy-board; --chessboard for a classic chessboard)")
    exc.message += FLAG_HINTS.get(exc.code, "")
    if exc.code == "usage":
        exc.message = re.sub(r"\b(" + "|".join(PARAM_FLAGS) + r")\b", lambda m: PARAM_FLAGS[m.group(1)], exc.message)
    if as_json:
        click.echo(json.dumps(exc.to_json()))
    click.echo(f"legcheck: error: {shown(exc.message)}", err=True)
    sys.exit(exc.exit_code)


def _stream_of(exc: OSError) -> str | None:
    """"standard output" or "standard error" when ``exc`` was met writing one of them (through
    click.echo, the only way legcheck prints), else None: the error is about a file."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "echo" and frame.f_globals.get("__name__") == "click.utils":
            stream = frame.f_locals.get("file")
            err = frame.f_locals.get("err") or stream is sys.stderr or getattr(stream, "name", None) == "<stderr>"
            return "standard error" if err else "standard output"
        tb = tb.tb_next
    return None


def _silence_stdout() -> None:
    """Point the process's standard output at /dev/null, so the interpreter's last flush at exit
    cannot fail again (it would print "Exception ignored" and change the exit status to 120)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test runner's buffer)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _stream_failed(exc: OSError, where: str, as_json: bool):
    """A standard stream could not be written: quiet exit 141 when its reader went away, else exit 14 naming it."""
    from ..fileio import access_error

    _silence_stdout()
    if isinstance(exc, BrokenPipeError) or where == "standard error":
        sys.exit(EXIT_BROKEN_PIPE if isinstance(exc, BrokenPipeError) else FileAccessError.exit_code)
    error = access_error(exc, where, stream=True)
    fail(error, as_json=False)  # --json's error object cannot reach the stream that failed


def handles_errors(fn):
    """Turn user-caused errors into one line and their exit code (a bad argument, UsageError: 2);
    a failed standard output into exit 14 (its reader gone: 141, quietly); anything else into
    exit 1 without a traceback (unless ``LEGCHECK_DEBUG`` is set)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        as_json = bool(kwargs.get("as_json"))
        try:
            return fn(*args, **kwargs)
        except LegcheckError as exc:
            fail(exc, as_json)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except OSError as exc:  # permissions, a full disk, a read-only file system: the user's to fix
            where = _stream_of(exc)
            if where:
                _stream_failed(exc, where, as_json)
            fail(FileAccessError(f"cannot use {exc.filename or 'a file'} ({exc.strerror or exc}); check its "
                                 "permissions and free space"), as_json)
        except Exception as exc:  # noqa: BLE001 - the edge of the program: never a traceback for a user
            if os.environ.get("LEGCHECK_DEBUG"):
                raise
            fail(LegcheckError(f"internal error ({exc.__class__.__name__}: {exc}); please report it "
                               "with the photo, or rerun with LEGCHECK_DEBUG=1 for details"), as_json)
    return wrapper
