"""Entry point for `squatqa` and `python -m squatqa`.

Interrupts and closed pipes are ordinary events for a command-line tool, not
crashes: they end the run with a documented status and no traceback.
"""

from __future__ import annotations

import os
import sys

from squatqa import exitcodes


def main() -> None:
    from squatqa.render import OutputClosed

    try:
        from squatqa.cli import app

        app(prog_name="squatqa")
    except KeyboardInterrupt:
        _quiet_stderr("squatqa: interrupted\n")
        sys.exit(exitcodes.INTERRUPTED)
    except (OutputClosed, BrokenPipeError):
        _silence_stdout()
        sys.exit(exitcodes.OK)


def _silence_stdout() -> None:
    """The reader went away; point stdout at /dev/null so the final flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _quiet_stderr(message: str) -> None:
    try:
        sys.stderr.write(message)
        sys.stderr.flush()
    except OSError:
        pass


if __name__ == "__main__":
    main()
