# SPDX-License-Identifier: Apache-2.0
"""keepalived.conf text -> logical lines of words, as keepalived's ``read_line`` produces them.

Per physical line, in keepalived's order: strip ``#``/``!`` comments outside quotes, act on
``include`` (before anything else, so ``@id include`` and macro-built includes do not work), test
an ``@id`` / ``@^id`` condition, record a ``$NAME=value`` macro (a value ending in ``\\``
starts a multi-line one, which takes the following lines), expand ``$NAME`` / ``${NAME}``
(and test ``@`` again, so ``$IF_MAIN=@main`` works), expand ``~SEQ(...)`` / ``~LST(...)``, then
split at every ``{`` and ``}`` outside quotes: each ``{`` ends a logical line and each ``}`` is a
logical line of its own. Problems go to the :class:`Reporter`; nothing here raises.

Lines end at ``\n`` only, and words are separated by C's blanks (space, tab, CR, VT, FF): a
CR, a form feed or a non-breaking space inside a line is what it is to keepalived, not a line
break or (for the last) a blank. A physical line longer than keepalived's line buffer
(``MAXBUF`` 1024: ``fgets`` takes 1023 bytes at a time) is read as keepalived reads it, in
pieces of that size, each a line of its own (reported at the line it came from).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from pyipvs.config.diagnostics import Reporter
from pyipvs.config.include import (
    INCLUDE_KEYWORDS,
    IncludeReader,
)
from pyipvs.config.macros import MacroExpander, is_generator
from pyipvs.config.tree import MAX_BLOCK_DEPTH, Node, TreeBuilder

LINE_BUFFER = 1023  # bytes keepalived reads of a line at a time (lib/parser.c, MAXBUF - 1)
C_BLANKS = " \t\n\v\f\r"  # isspace() in the C locale: what separates keepalived's words
# What Python's str.split() and str.isspace() take for blanks and C does not (a regex class).
NOT_C_BLANKS = "\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_NOT_C_BLANK = re.compile(f"[{NOT_C_BLANKS}]")
_C_BLANK_RUN = re.compile(f"[{C_BLANKS}]+")
_NEEDS_SLOW_PATH = re.compile(f"[#!\"'\\\\$@~{NOT_C_BLANKS}]|^\\s*include")
_SPECIAL = re.compile(r"[#!\"'\\]")
_COMMENT_START = re.compile(r"[#!]")
_MACRO_DEF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)=(.*)\Z", re.DOTALL)
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
}


class Line(NamedTuple):
    """One logical line: ``words[0]`` is the keyword. ``brace`` is ``"{"`` when the line opens a
    block (``words`` may then be empty: a lone brace), ``"}"`` for a closing brace (no words)."""

    words: tuple[str, ...]
    file: str
    line: int
    brace: str = ""


RawLine = tuple[tuple[str, ...], str, int, str]
Statements = tuple[tuple[tuple[str, ...], str], ...]
"""A :class:`Line`'s fields as a plain tuple (what the lexer's fast path stores)."""


class _Brace(str):
    """A brace outside quotes (a quoted ``"{"`` is a plain word)."""


OPEN, CLOSE = _Brace("{"), _Brace("}")
_STRUCTURAL: dict[str, str] = {"{": OPEN, "}": CLOSE}


def decomment(text: str) -> str:
    """Cut ``#``/``!`` comments outside quotes; ``\\#`` and ``\\!`` stand for the characters."""
    if _SPECIAL.search(text) is None:
        return text
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(nxt if nxt in "#!" and not quote else ch + nxt)
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "#!":
            break
        out.append(ch)
        i += 1
    return "".join(out)


def _unescape(text: str, i: int) -> tuple[str, int]:
    """Decode the escape starting after the backslash at ``text[i]``; return (char, next index)."""
    ch = text[i]
    if ch in _ESCAPES:
        return _ESCAPES[ch], i + 1
    if ch == "x":
        digits = re.match(r"[0-9A-Fa-f]{1,2}", text[i + 1 :])
        if digits:
            return chr(int(digits.group(), 16)), i + 1 + len(digits.group())
        return "x", i + 1
    if ch in "01234567":
        digits = re.match(r"[0-7]{1,3}", text[i:])
        assert digits is not None
        return chr(int(digits.group(), 8) & 0xFF), i + len(digits.group())
    if ch == "c" and i + 1 < len(text):
        return chr(ord(text[i + 1].upper()) ^ 0x40), i + 2
    return ch, i + 1


def _blank_split(text: str) -> list[str]:
    """``text.split()`` where Python and C agree on blanks, else a split on C's blanks only."""
    if _NOT_C_BLANK.search(text) is None:
        return text.split()
    return [word for word in _C_BLANK_RUN.split(text) if word]


def split_words(text: str) -> tuple[list[str], bool]:
    """Words of ``text``; quotes group words and ``{``/``}`` outside quotes are words of their
    own (:data:`OPEN` / :data:`CLOSE`). The flag is False when a quote was left open.

    A ``#`` or ``!`` outside quotes ends the line here too: comments are cut before macros are
    expanded, but keepalived 2.2.7 also stops at one that ``${_HASH}``, ``${_BANG}``, ``\\#`` or
    ``\\!`` put outside quotes (they keep the character only inside a quoted string)."""
    if '"' not in text and "'" not in text:
        if "#" in text or "!" in text:
            text = _COMMENT_START.split(text, maxsplit=1)[0]
        if "{" in text or "}" in text:
            text = text.replace("{", " { ").replace("}", " } ")
            return [_STRUCTURAL.get(w, w) for w in _blank_split(text)], True
        return _blank_split(text), True
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
                i += 1
            elif ch == "\\" and i + 1 < len(text):
                decoded, i = _unescape(text, i + 1)
                current.append(decoded)
            else:
                current.append(ch)
                i += 1
            continue
        if ch in "\"'":
            quote, in_word = ch, True
        elif ch in "#!":
            break
        elif ch in C_BLANKS or ch in "{}":
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
            if ch in "{}":
                words.append(OPEN if ch == "{" else CLOSE)
        else:
            current.append(ch)
            in_word = True
        i += 1
    if in_word:
        words.append("".join(current))
    return words, not quote


def split_statements(words: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """Cut a word list where keepalived cuts the line: after each ``{``, around each ``}``.
    Returns ``(words, brace)`` pairs, as in :class:`Line`."""
    if not any(type(w) is _Brace for w in words):
        return [(tuple(words), "")] if words else []
    out: list[tuple[tuple[str, ...], str]] = []
    current: list[str] = []
    for word in words:
        if word is CLOSE:
            if current:
                out.append((tuple(current), ""))
                current = []
            out.append(((), "}"))
        elif word is OPEN:
            out.append((tuple(current), "{"))
            current = []
        else:
            current.append(word)
    if current:
        out.append((tuple(current), ""))
    return out


def _plain_statements(raw: str) -> Statements:
    """Statements of a line of words and braces only (no quotes, comments, macros, includes)."""
    if "{" not in raw and "}" not in raw:
        words = raw.split()
        return ((tuple(words), ""),) if words else ()
    text = raw.strip()
    if text == "}":
        return (((), "}"),)
    if text[-1] == "{" and text.count("{") == 1 and "}" not in text:
        return ((tuple(text[:-1].split()), "{"),)
    return tuple(split_statements(split_words(text)[0]))


# What :meth:`Lexer._read_into_tree` keeps per distinct plain line: ``(kind, words, keyword,
# args)`` for one statement (``_STATEMENT``) or one block opened with words (``_BLOCK``),
# else ``(kind, (), statements, ())``: ``_CLOSE`` for a lone ``}``, ``_OTHER`` for the rest.
_STATEMENT, _BLOCK, _CLOSE, _OTHER = 0, 1, 2, 3
Entry = tuple[int, tuple[str, ...], Any, tuple[str, ...]]


def _plain_entry(raw: str) -> Entry:
    statements = _plain_statements(raw)
    if len(statements) == 1:
        words, brace = statements[0]
        if words and brace != "}":
            return (_BLOCK if brace else _STATEMENT), words, words[0], words[1:]
        if brace == "}":
            return _CLOSE, (), statements, ()
    return _OTHER, (), statements, ()


def physical_lines(text: str) -> Iterable[tuple[int, str]]:
    """``(line number, text)`` of each line; one longer than :data:`LINE_BUFFER` bytes comes in
    pieces of that size, all with its number."""
    lines = text.split("\n")  # keepalived's fgets: CR, VT, FF and the like end no line
    if lines[-1] == "":
        lines.pop()
    if not lines or max(map(len, lines)) <= LINE_BUFFER // 4:  # short even in 4-byte UTF-8
        return enumerate(lines, start=1)
    return _cut_long_lines(lines)


def _cut_long_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(lines, start=1):
        data = raw.encode("utf-8")
        if len(data) <= LINE_BUFFER:
            yield number, raw
            continue
        for start in range(0, len(data), LINE_BUFFER):
            yield number, data[start : start + LINE_BUFFER].decode("utf-8", errors="replace")


class Lexer(IncludeReader, MacroExpander):
    """Reads a main file and everything it includes into a list of :class:`Line`; includes
    come from :class:`~pyipvs.config.include.IncludeReader`, macros, conditions and generators
    from :class:`~pyipvs.config.macros.MacroExpander`."""

    def __init__(
        self,
        reporter: Reporter,
        config_id: str,
        instance: str | None = None,
        tree: TreeBuilder | None = None,
    ) -> None:
        self.reporter = reporter
        self.config_id = config_id
        self.instance = config_id if instance is None else instance  # ${_INSTANCE}
        self.macros: dict[str, str] = {}
        # Logical lines go straight into ``tree`` when there is one (what the parser does), else
        # into ``lines``.
        self.tree = tree
        self.lines: list[RawLine] = []
        self.emit = tree.add if tree is not None else self._store
        self._stack: list[str] = []
        # A multi-line ``$NAME= \`` definition being read: its name and the lines so far.
        self._definition: tuple[str, list[str]] | None = None
        self._generated = 0
        self._included = 0

    # ---------------------------------------------------------------- files
    def read_main(self, path: str) -> bool:
        """Read the main file; False (with a fatal diagnostic) when it cannot be read or is
        not a regular file: a FIFO would block and ``/dev/zero`` never ends, so they are
        refused before opening, with keepalived's words."""
        refusal = main_file_refusal(path)
        if refusal is not None:
            self.reporter.fatal(path, 0, refusal)
            return False
        text = self._read(path)
        if text is None:
            self.reporter.fatal(path, 0, f"Configuration file '{path}' cannot be read")
            return False
        self.read_text(text, path)
        return True

    def read_text(self, text: str, name: str) -> None:
        self._stack.append(os.path.abspath(name))
        try:
            if self.tree is None:
                self._read_lines(text, name)
            else:
                self._read_into_tree(text, name, self.tree)
            if self._definition is not None:  # the file ended inside a definition
                self._end_definition()
        finally:
            self._stack.pop()

    # Generated configs repeat the same physical lines thousands of times: a line without
    # comments, quotes, macros, conditions, generators or includes always gives the same
    # statements, so each distinct one is split once (``known``).
    def _read_lines(self, text: str, name: str) -> None:
        needs_slow_path = _NEEDS_SLOW_PATH.search
        emit = self.emit
        known: dict[str, Statements] = {}
        defining = False  # inside a multi-line macro definition: every line is part of it
        for number, raw in physical_lines(text):
            statements = None if defining else known.get(raw)
            if statements is None:
                if defining or needs_slow_path(raw) is not None:
                    self._physical_line(raw, name, number)
                    defining = self._definition is not None
                    continue
                statements = known[raw] = _plain_statements(raw)
            for words, brace in statements:
                emit(words, name, number, brace)

    def _read_into_tree(self, text: str, name: str, tree: TreeBuilder) -> None:
        """:meth:`_read_lines` with :meth:`TreeBuilder.add`'s common cases inlined: statements
        and blocks with words (a third of the time of reading a large file goes here).

        Each distinct plain line is classified once (:func:`_plain_entry`); its nodes share
        the line's words, keyword and arguments and are built without a call to
        ``Node.__init__``."""
        needs_slow_path = _NEEDS_SLOW_PATH.search
        new = object.__new__
        known: dict[str, Entry] = {}
        stack = tree.stack
        current = stack[-1]
        last = -1  # the last line that gave a statement, for tree.last_*
        defining = False  # inside a multi-line macro definition: every line is part of it
        for number, raw in physical_lines(text):
            entry = None if defining else known.get(raw)
            if entry is None:
                if defining or needs_slow_path(raw) is not None:
                    if last >= 0:
                        tree.last_file, tree.last_line, last = name, last, -1
                    self._physical_line(raw, name, number)
                    defining = self._definition is not None
                    current = stack[-1]
                    continue
                entry = known[raw] = _plain_entry(raw)
            kind, words, keyword, args = entry
            if kind == _BLOCK and len(stack) > MAX_BLOCK_DEPTH:  # the builder drops it
                tree.add(words, name, number, "{")
                current = stack[-1]
                last = number
            elif kind <= _BLOCK:  # one statement: _STATEMENT or _BLOCK
                node = new(Node)
                node.words = words
                node.keyword = keyword
                node.args = args
                node.file = name
                node.line = number
                current.append(node)
                if kind:  # _BLOCK
                    current = node.children = []
                    stack.append(current)
                else:
                    node.children = None
                last = number
            elif kind == _CLOSE and len(stack) > 1:
                stack.pop()
                current = stack[-1]
                last = number
            else:  # no statement, several, a lone '{' or an extra '}'
                for statement, brace in keyword:
                    last = number
                    tree.add(statement, name, number, brace)
                current = stack[-1]
        if last >= 0:
            tree.last_file, tree.last_line = name, last

    def _store(self, words: tuple[str, ...], file: str, number: int, brace: str) -> None:
        self.lines.append(Line(words, file, number, brace))

    # ---------------------------------------------------------------- one physical line
    def _physical_line(self, raw: str, file: str, number: int) -> None:
        """A line with comments, quotes, escapes, macros, conditions, generators or includes."""
        text = decomment(raw).strip(C_BLANKS)
        if self._definition is not None:
            self._continue_definition(text)
            return
        if not text:
            return
        if text[0] == "i" and text.split(None, 1)[0] in INCLUDE_KEYWORDS:
            parts = text.split(None, 1)
            self._include(parts[0], parts[1] if len(parts) > 1 else "", file, number)
            return
        self._logical(text, file, number, depth=0)

    def _logical(self, text: str, file: str, number: int, depth: int) -> None:
        if text[0] == "@":
            text = self._condition(text)
            if not text:
                return
        if text[0] == "$":
            definition = _MACRO_DEF.match(text)
            if definition is not None:
                self._define(definition.group(1), definition.group(2).strip())
                return
        if "$" in text:
            text = self._expand(text, file, number).strip()
            if "\n" in text:  # a multi-line macro: each of its lines is a line of its own
                self._expanded_lines(text, file, number, depth)
                return
            if not text:
                return
            if text[0] == "@":
                text = self._condition(text)
                if not text:
                    return
        if text[0] == "~" and is_generator(text):
            self._generate(text, file, number, depth)
            return
        self._emit(text, file, number)

    def _emit(self, text: str, file: str, number: int) -> None:
        words, closed = split_words(text)
        if not closed:
            self.reporter.error(file, number, "unterminated quoted string")
        for statement, brace in split_statements(words):
            self.emit(statement, file, number, brace)


def main_file_refusal(path: str) -> str | None:
    """Why ``path`` cannot be the main configuration file, in keepalived's words; None if it
    is a regular file (or cannot be looked at, which reading then reports)."""
    if not path:
        return "Configuration file '' cannot be read (an empty -f argument)"
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(mode):
        return f"Configuration file '{path.rstrip('/')}/' is a directory - skipping"
    if not stat.S_ISREG(mode):
        return f"Configuration file '{path}' is not a regular non-executable file - skipping"
    return None
