"""Entry point for `squatqa` and `python -m squatqa`.

Interrupts, closed pipes and odd standard streams are ordinary events for a
command-line tool, not crashes: they end the run with a documented status and one
`squatqa: ...` line at most, never a traceback. So is a broken installation (one of
squatqa's own data files missing or damaged): it is named, with the remedy.
"""

from __future__ import annotations

import errno
import io
import os
import sys

from squatqa import exitcodes

# typing.TYPE_CHECKING without importing typing: this module is imported before
# main() can catch Ctrl-C, so that time is kept short.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal, TextIO

    from _typeshed import ReadableBuffer


def main() -> None:
    # Everything but this module and its two imports runs under this guard, the
    # imports of the rest of squatqa included: an early Ctrl-C is status 130 too.
    try:
        _run()
    except KeyboardInterrupt:
        _quiet_stderr("squatqa: interrupted\n")
        sys.exit(exitcodes.INTERRUPTED)


def _run() -> None:
    from squatqa.datafiles import DataFileError
    from squatqa.render import OutputClosed

    if sys.stdin is None:
        # Started with stdin closed (`<&-`): read it as empty rather than crash.
        sys.stdin = _devnull("r")
    if sys.stdout is None:
        _quiet_stderr("squatqa: standard output is closed; nowhere to write results\n")
        sys.exit(exitcodes.USAGE)
    if sys.stderr is None:
        # Started with stderr closed (`2>&-`): its messages go nowhere, rather than
        # into the results on stdout, where typer would print them.
        sys.stderr = _devnull("w")
    else:
        sys.stderr = _forgiving(sys.stderr)
    _escape_what_stdout_cannot_encode()
    stdout = sys.stdout
    try:
        from squatqa.cli import app

        app(prog_name="squatqa")
        status: int | str | None = exitcodes.OK
    except SystemExit as done:
        status = done.code
        if sys.stdout is not stdout:
            # typer's own answer to a closed pipe while it printed help or the
            # version: it swaps stdout for a quiet wrapper and exits 1. Only stdout
            # can be the pipe (stderr forgives), and a closed output pipe is status 0.
            _silence_stdout()
            sys.exit(exitcodes.OK)
    except KeyboardInterrupt:
        status = exitcodes.INTERRUPTED
    except (OutputClosed, BrokenPipeError):
        _silence_stdout()
        sys.exit(exitcodes.OK)
    except DataFileError as error:
        _quiet_stderr(f"squatqa: {error}; reinstalling squatqa restores it\n")
        status = exitcodes.USAGE
    except OSError as error:
        status = _write_failed(error)
    if status == exitcodes.INTERRUPTED:
        _quiet_stderr("squatqa: interrupted\n")
    sys.exit(_flush_stdout(status))


def _devnull(mode: Literal["r", "w"]) -> TextIO:
    """The null device, open for the rest of the run in place of a closed stream."""
    from pathlib import Path  # only for a closed stream: most runs never need it

    return Path(os.devnull).open(mode, encoding="utf-8")


class _ForgivingPipe(io.FileIO):
    """A file descriptor whose writes pretend to succeed when they fail.

    A warning or error line that cannot be written (the reader has gone, the disk
    is full) leaves nothing to tell, and must not end the run or change its exit
    status; the answers on stdout still matter.
    """

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return super().write(data)
        except OSError:
            return memoryview(data).nbytes


def _forgiving(stream: TextIO) -> TextIO:
    """stderr as a text stream that shrugs off failed writes; as it was if it has no file
    (or on Windows, whose console streams are more than a file descriptor)."""
    if os.name == "nt":
        return stream
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    return io.TextIOWrapper(
        io.BufferedWriter(_ForgivingPipe(descriptor, "w", closefd=False)),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=True,
        write_through=True,
    )


def _escape_what_stdout_cannot_encode() -> None:
    """On a stdout that is not UTF-8 (e.g. PYTHONIOENCODING=latin-1), write the characters
    it lacks as \\uXXXX escapes instead of failing on the first one."""
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    if encoding in ("utf8", "utf8sig"):
        return
    import codecs
    import contextlib

    codecs.register_error("squatqa-escape", _json_escapes)
    # A stream that is not a TextIOWrapper is left as it is.
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="squatqa-escape")  # type: ignore[union-attr]


def _json_escapes(error: UnicodeError) -> tuple[str, int]:
    """A run of characters as JSON's \\uXXXX escapes: JSON output stays valid JSON
    (they are only ever inside strings), and text output stays readable."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escapes = []
    for character in error.object[error.start : error.end]:
        code = ord(character)
        if code > 0xFFFF:  # as a UTF-16 surrogate pair, the way JSON writes it
            code -= 0x10000
            escapes.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escapes.append(f"\\u{code:04x}")
    return "".join(escapes), error.end


def _flush_stdout(status: int | str | None) -> int | str | None:
    """Flush now, so a full disk or a vanished reader is reported here, not at exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return exitcodes.OK
    except OSError as error:
        _silence_stdout()
        return _write_failed(error)
    return status


def _write_failed(error: OSError) -> int:
    if error.errno == errno.EPIPE:
        _silence_stdout()
        return exitcodes.OK
    _quiet_stderr(f"squatqa: cannot write results: {error.strerror or error}\n")
    return exitcodes.USAGE


def _silence_stdout() -> None:
    """The reader went away; point stdout at /dev/null so the final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _quiet_stderr(message: str) -> None:
    try:
        sys.stderr.write(message)
        sys.stderr.flush()
    except (OSError, AttributeError):  # stderr closed too: nothing left to tell
        pass


if __name__ == "__main__":
    main()
