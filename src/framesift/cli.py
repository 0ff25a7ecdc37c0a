"""Command line: ``main()`` and the exit-code mapping; the commands live in :mod:`framesift.commands`.

Contract: with ``--json`` stdout carries exactly one JSON object (the manifest) and nothing else;
progress and logs go to stderr, and progress bars only appear when stderr is a terminal.
Exit codes: 0 success, 2 bad input or usage (one line on stderr, no traceback; ``--debug``
shows it), 1 internal error, 3 ``framesift index`` indexed some videos and failed on others
(each failure reported), 130 interrupted.
"""

from __future__ import annotations

import sys
import traceback

import typer

from . import commands  # noqa: F401  (importing the package registers every command on the shared app)
from .commands._shared import app, cli_message, err
from .errors import FramesiftError

try:  # typer >= 0.2x vendors click (and no longer depends on it), with its own exception classes
    from typer._click.exceptions import ClickException
except ImportError:  # older typer runs on click itself
    from click import ClickException  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and map errors to exit codes (see module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        rv = app(args=args, prog_name="framesift", standalone_mode=False)
        # A command's typer.Exit(n) comes back as its return value without standalone mode
        # (``framesift index``: 3 when some videos failed).
        return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
    except FramesiftError as exc:
        if debug:
            traceback.print_exc()
        err.print(f"framesift: error: {cli_message(exc)}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("framesift: aborted", highlight=False)
        return 130
    except ClickException as exc:
        if not exc.format_message():  # NoArgsIsHelpError: the help was printed
            return 0
        if debug:
            traceback.print_exc()
        err.print(f"framesift: error: {exc.format_message()}", highlight=False, markup=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("framesift: interrupted", highlight=False)
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into exit code 1
        if debug:
            traceback.print_exc()
        err.print(
            f"framesift: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover  (python -m framesift.cli)
    sys.exit(main())
