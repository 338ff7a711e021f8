"""Every way squatqa writes results: JSON, plain text, and rich text for terminals.

This is the only module that knows about terminals. Corpus text is data: control
characters are made visible before text output and rich markup is never
interpreted, so a corpus cannot restyle or take over the user's terminal. rich is
imported only when output goes to a terminal, which keeps piped runs fast.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO, cast

from squatqa.corpus import Entry
from squatqa.engine import Answer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    from squatqa.evaluate import Metrics, Report


def safe_text(text: str) -> str:
    """Show control and format characters as visible escapes instead of sending them.

    Escaped: everything str.isprintable() rejects (C0 and C1 controls, escape
    sequences, bidirectional overrides and isolates, zero-width and other invisible
    format characters, line and paragraph separators) except tab, newline and
    spaces. Most text is printable and passes after one quick scan.
    """
    return text if text.isprintable() else _escape(text, json_style=False)


def _escape(text: str, json_style: bool) -> str:
    out: list[str] = []
    for char in text:
        if char.isprintable() or char in "\t\n" or unicodedata.category(char) == "Zs":
            out.append(char)
            continue
        code = ord(char)
        if json_style:
            if code > 0xFFFF:  # JSON writes astral characters as a surrogate pair
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def to_json(data: object, indent: int | None = None) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    # json.dumps has escaped C0 controls already; what is left a terminal could
    # still act on if the JSON were shown, so it is escaped the JSON way.
    return text if text.isprintable() else _escape(text, json_style=True)


class AnswerJson:
    """Answers as JSON lines, each entry's text encoded once however often it is shown.

    The same bytes as to_json() of the answer as a dict (query, matches with id,
    question, answer and score, related with id and question); in a batch of
    thousands of questions the few entries' long answers would otherwise be encoded
    every time.
    """

    def __init__(self) -> None:
        self._matches: dict[str, str] = {}  # entry id -> match object up to its score
        self._related: dict[str, str] = {}  # entry id -> related-question object

    def line(self, answer: Answer) -> str:
        matches = ", ".join(
            f"{self._match_start(match.entry)}{json.dumps(match.score)}}}"
            for match in answer.matches
        )
        related = ", ".join(self._related_entry(entry) for entry in answer.related)
        query = to_json(answer.query)
        return f'{{"query": {query}, "matches": [{matches}], "related": [{related}]}}'

    def _match_start(self, entry: Entry) -> str:
        start = self._matches.get(entry.id)
        if start is None:
            start = to_json({"id": entry.id, "question": entry.question, "answer": entry.answer})
            start = start[:-1] + ', "score": '
            self._matches[entry.id] = start
        return start

    def _related_entry(self, entry: Entry) -> str:
        text = self._related.get(entry.id)
        if text is None:
            text = to_json({"id": entry.id, "question": entry.question})
            self._related[entry.id] = text
        return text


# On a terminal narrower than this, frames would leave too little room for the text
# in them: the plain layout is printed instead, and the terminal wraps it.
MIN_FRAMED_WIDTH = 40
# Frames are no wider than this, so a very wide terminal does not get lines padded
# out to its full width.
MAX_FRAMED_WIDTH = 100
_FALLBACK_WIDTH = 80


def terminal_width(stream: TextIO) -> int:
    """COLUMNS when it is a positive whole number, else the terminal's own width (80 if unknown)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return columns if columns > 0 else _FALLBACK_WIDTH


def use_rich(stream: TextIO) -> bool:
    """Rich rendering for people at a terminal; plain text for pipes, files, dumb terminals
    and terminals too narrow to frame an answer."""
    try:
        is_terminal = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return (
        is_terminal
        and os.environ.get("TERM") != "dumb"
        and terminal_width(stream) >= MIN_FRAMED_WIDTH
    )


class OutputClosed(Exception):
    """The reader of our output went away (e.g. `| head -1`); not an error of ours."""


class Output:
    """Writes one command's results in the format chosen once, up front."""

    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        # Every write goes through this, so a closed pipe is one exception everywhere.
        self._out = _PipeSafe(self.stream)
        self.as_json = as_json
        self.rich = not as_json and use_rich(self.stream)
        self._console: Console | None = None
        self._answer_json = AnswerJson()

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            pipe_safe = cast(TextIO, self._out)
            self._console = Console(
                file=pipe_safe,
                width=min(terminal_width(self.stream), MAX_FRAMED_WIDTH),
                highlight=False,
                markup=False,
                emoji=False,
            )
        return self._console

    def write(self, text: str) -> None:
        self._out.write(text + "\n")

    def flush(self) -> None:
        self._out.flush()

    def json(self, data: object, indent: int | None = None) -> None:
        self.write(to_json(data, indent))

    # -- ask ---------------------------------------------------------------

    def answer(self, answer: Answer, show_related: bool, heading: str | None = None) -> None:
        if self.as_json:
            self.write(self._answer_json.line(answer))
        elif self.rich:
            self._rich_answer(answer, show_related, heading)
        else:
            self.write(plain_answer(answer, show_related, heading))

    def _framed(self, body: Text, title: Text, subtitle: Text) -> Panel:
        """The body in a frame, titled; a title too long for the frame goes inside it,
        wrapped, rather than be cut short."""
        from rich.panel import Panel
        from rich.text import Text

        room = self.console.width - 6  # the frame's corners and the spaces around a title
        top: Text | None = title
        bottom: Text | None = subtitle
        if title.cell_len > room:
            body, top = Text.assemble(title, "\n\n", body), None
        if subtitle.cell_len > room:
            body, bottom = Text.assemble(body, "\n\n", subtitle), None
        return Panel(body, title=top, subtitle=bottom, title_align="left")

    def _rich_answer(self, answer: Answer, show_related: bool, heading: str | None) -> None:
        from rich.text import Text

        console = self.console
        if heading is not None:
            console.print(Text("> " + safe_text(heading), style="bold"))
        if not answer.matches:
            console.print(Text("No confident match.", style="yellow"))
        for match in answer.matches:
            title = Text(safe_text(match.entry.question), style="bold cyan")
            subtitle = Text(f"{safe_text(match.entry.id)} · score {match.score:.1f}", style="dim")
            body = Text(safe_text(match.entry.answer))
            console.print(self._framed(body, title, subtitle))
        if show_related and answer.related:
            console.print(Text("Related questions:", style="dim bold"))
            for entry in answer.related:
                line = Text("  • ", style="dim")
                line.append(safe_text(entry.question), style="dim")
                line.append(f"  [{safe_text(entry.id)}]", style="dim italic")
                console.print(line)

    # -- list / show -------------------------------------------------------

    def entries(self, entries: Sequence[Entry]) -> None:
        if self.as_json:
            self.json([entry.to_dict() for entry in entries], indent=2)
        elif self.rich:
            from rich.table import Table

            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
            table.add_column("id", style="cyan", no_wrap=True)
            table.add_column("question")
            for entry in entries:
                table.add_row(safe_text(entry.id), safe_text(entry.question))
            self.console.print(table)
        else:
            self.write(plain_entries(entries))

    def entry(self, entry: Entry) -> None:
        if self.as_json:
            self.json(entry.to_dict(), indent=2)
        elif self.rich:
            from rich.text import Text

            body = Text(safe_text(entry.answer))
            if entry.aliases:
                body.append("\n\nAlso asked as:", style="dim bold")
                for alias in entry.aliases:
                    body.append(f"\n  • {safe_text(alias)}", style="dim")
            if entry.tags:
                body.append("\n\nTags: " + safe_text(", ".join(entry.tags)), style="dim")
            title = Text(safe_text(entry.question), style="bold cyan")
            self.console.print(self._framed(body, title, Text(safe_text(entry.id), style="dim")))
        else:
            self.write(plain_entry(entry))

    # -- eval --------------------------------------------------------------

    def report(self, report: Report) -> None:
        if self.as_json:
            self.json(report.to_dict(), indent=2)
            return
        rows = [("all", report.overall), *report.by_category.items()]
        if self.rich:
            from rich.table import Table

            table = Table(title=f"Retrieval quality (min score {report.min_score:g})")
            for name in _REPORT_COLUMNS:
                table.add_column(name, justify="left" if name == "set" else "right")
            for name, metrics in rows:
                table.add_row(*_report_cells(name, metrics))
            self.console.print(table)
        else:
            self.write(f"Retrieval quality (min score {report.min_score:g})")
            table_rows = [_REPORT_COLUMNS, *(_report_cells(name, m) for name, m in rows)]
            widths = [max(len(row[i]) for row in table_rows) for i in range(len(_REPORT_COLUMNS))]
            for row in table_rows:
                cells = [
                    cell.ljust(width) if i == 0 else cell.rjust(width)
                    for i, (cell, width) in enumerate(zip(row, widths, strict=True))
                ]
                self.write("  ".join(cells).rstrip())


_REPORT_COLUMNS = (
    "set",
    "queries",
    "P@1",
    "MRR@10",
    "R@5",
    "off-topic rejected",
    "answerable rejected",
)


def _report_cells(name: str, metrics: Metrics) -> tuple[str, ...]:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    return (
        safe_text(name),
        str(metrics.queries),
        cell(metrics.precision_at_1),
        cell(metrics.mrr_at_10),
        cell(metrics.recall_at_5),
        cell(metrics.offtopic_rejected),
        cell(metrics.answerable_rejected),
    )


def plain_answer(answer: Answer, show_related: bool, heading: str | None = None) -> str:
    lines: list[str] = []
    if heading is not None:
        lines.append("> " + safe_text(heading))
    if not answer.matches:
        lines.append("No confident match.")
    for number, match in enumerate(answer.matches):
        if number:
            lines.append("")
        lines.append(safe_text(match.entry.question))
        lines.append(f"[{safe_text(match.entry.id)}] score {match.score:.1f}")
        lines.append("")
        lines.append(safe_text(match.entry.answer))
    if show_related and answer.related:
        lines.append("")
        lines.append("Related questions:")
        lines.extend(
            f"  - {safe_text(entry.question)} [{safe_text(entry.id)}]" for entry in answer.related
        )
    return "\n".join(lines)


def plain_entries(entries: Sequence[Entry]) -> str:
    width = max((len(entry.id) for entry in entries), default=0)
    return "\n".join(
        f"{safe_text(entry.id).ljust(width)}  {safe_text(entry.question)}" for entry in entries
    )


def plain_entry(entry: Entry) -> str:
    lines = [safe_text(entry.question), f"[{safe_text(entry.id)}]", "", safe_text(entry.answer)]
    if entry.aliases:
        lines += ["", "Also asked as:"]
        lines += [f"  - {safe_text(alias)}" for alias in entry.aliases]
    if entry.tags:
        lines += ["", "Tags: " + safe_text(", ".join(entry.tags))]
    return "\n".join(lines)


class _PipeSafe:
    """A stream wrapper that turns a closed pipe into OutputClosed for rich's writes too."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise OutputClosed from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise OutputClosed from None

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"
