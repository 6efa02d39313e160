# SPDX-License-Identifier: Apache-2.0
"""keepalived.conf text -> logical lines of words, as keepalived's ``read_line`` produces them.

Per physical line, in keepalived's order: strip ``#``/``!`` comments outside quotes, act on
``include`` (before anything else, so ``@id include`` and macro-built includes do not work), test
an ``@id`` / ``@^id`` condition, record a ``$NAME=value`` macro (a value ending in ``\\``
starts a multi-line one, which takes the following lines), expand ``$NAME`` / ``${NAME}``
(and test ``@`` again, so ``$IF_MAIN=@main`` works), expand ``~SEQ(...)`` / ``~LST(...)``, then
split at every ``{`` and ``}`` outside quotes: each ``{`` ends a logical line and each ``}`` is a
logical line of its own. Problems go to the :class:`Reporter`; nothing here raises.
"""

from __future__ import annotations

import glob
import os
import random
import re
from typing import Any, NamedTuple

from pyipvs.config.diagnostics import Reporter
from pyipvs.config.tree import Node, TreeBuilder

# The include_check options each include variant turns on (keepalived.conf(5)): ``readable``,
# a match must be a readable regular file; ``match``, a pattern without wildcards must match;
# ``wildcard_match``, any pattern without braces must match; ``brace_match``, every brace
# alternative without wildcards must match. Plain ``include`` checks nothing.
INCLUDE_CHECKS: dict[str, frozenset[str]] = {
    "include": frozenset(),
    "includer": frozenset({"readable"}),
    "includem": frozenset({"readable", "match"}),
    "includew": frozenset({"readable", "wildcard_match"}),
    "includeb": frozenset({"readable", "brace_match"}),
    "includea": frozenset({"readable", "match", "wildcard_match", "brace_match"}),
}
INCLUDE_KEYWORDS = frozenset(INCLUDE_CHECKS)
MAX_INCLUDE_DEPTH = 16
MAX_INCLUDE_PATTERNS = 256
MAX_INCLUDED_FILES = 10_000
MAX_MACRO_ROUNDS = 32
MAX_EXPANDED_LINE = 1_000_000  # characters one line may grow to by macro expansion
MAX_GENERATED_LINES = 1_000_000

_NEEDS_SLOW_PATH = re.compile(r"[#!\"'\\$@~]|^\s*include")
_SPECIAL = re.compile(r"[#!\"'\\]")
_COMMENT_START = re.compile(r"[#!]")
_MACRO_DEF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)=(.*)\Z", re.DOTALL)
# ``${NAME}`` anywhere, ``$NAME`` before whitespace. keepalived 2.2.7 takes no arguments inside
# the braces (``${_RANDOM 1 5}`` is left as it is, then split at its braces).
_MACRO_USE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|\Z)")
RANDOM_MAX = 32767
_CONDITION = re.compile(r"@(\^?)(\S*)\s*(.*)\Z", re.DOTALL)
_GENERATOR = re.compile(r"~(SEQx?|LST)\(")
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
            return [_STRUCTURAL.get(w, w) for w in text.split()], True
        return text.split(), True
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
        elif ch.isspace() or ch in "{}":
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


def brace_expand(pattern: str, limit: int = MAX_INCLUDE_PATTERNS) -> list[str] | None:
    """csh-style ``{a,b}`` expansion of an include pattern (glob does the wildcards); None when
    it would give more than ``limit`` patterns (``{a,b}{c,d}...`` grows exponentially)."""
    done: list[str] = []
    todo = [pattern]
    while todo:
        current = todo.pop()
        match = re.search(r"\{([^{}]*)\}", current)
        if match is None:
            done.append(current)
        else:
            head, tail = current[: match.start()], current[match.end() :]
            todo.extend(head + choice + tail for choice in reversed(match.group(1).split(",")))
        if len(done) + len(todo) > limit:
            return None
    return done


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


class Lexer:
    """Reads a main file and everything it includes into a list of :class:`Line`."""

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

    # ---------------------------------------------------------------- files and includes
    def read_main(self, path: str) -> bool:
        """Read the main file; False (with a fatal diagnostic) when it cannot be read."""
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
        for number, raw in enumerate(text.splitlines(), start=1):
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
        for number, raw in enumerate(text.splitlines(), start=1):
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
            if kind <= _BLOCK:  # one statement: _STATEMENT or _BLOCK
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

    @staticmethod
    def _read(path: str) -> str | None:
        try:
            with open(path, "rb") as handle:
                return handle.read().decode("utf-8", errors="replace")
        except (OSError, ValueError):
            return None

    def _include(self, keyword: str, argument: str, file: str, line: int) -> None:
        # The rest of the line, verbatim: keepalived takes quotes and spaces as part of the name.
        shown = pattern = argument.strip()
        if not pattern:
            self.reporter.error(file, line, f"'{keyword}' needs a file name")
            return
        if not os.path.isabs(pattern):
            pattern = os.path.join(os.path.dirname(file), pattern)
        patterns = brace_expand(pattern)
        if patterns is None:
            self.reporter.error(file, line, f"{keyword}: '{shown}' expands too much")
            return
        names: list[str] = []
        unmatched: list[str] = []
        for expanded in patterns:
            found = _matches(expanded)
            names.extend(found)
            if not found:
                unmatched.append(expanded)
        braced = patterns != [pattern]
        checks = INCLUDE_CHECKS[keyword]
        self._check_matches(checks, shown, braced, bool(names), unmatched, file, line)
        for name in names:
            self._include_one(name, file, line, "readable" in checks)

    def _check_matches(
        self,
        checks: frozenset[str],
        shown: str,
        braced: bool,
        found: bool,
        unmatched: list[str],
        file: str,
        line: int,
    ) -> None:
        """What keepalived 2.2.7 reports for include patterns that matched nothing."""
        if not checks:  # plain include: pyipvs (unlike keepalived) warns about a missing file
            if not found and not any(glob.has_magic(p) for p in unmatched):
                self.reporter.warning(file, line, f"Config files missing '{shown}'.")
            return
        if braced:
            if "brace_match" in checks and any(not glob.has_magic(p) for p in unmatched):
                message = (
                    f'Some config files missing: "{shown}".'
                    if found
                    else f"Config files missing '{shown}'."
                )
                self.reporter.include_check(file, line, message)
        elif found:
            return
        elif glob.has_magic(unmatched[0]):
            if "wildcard_match" in checks:
                self.reporter.include_check(file, line, f"No config files matched '{shown}'.")
        elif checks & {"match", "wildcard_match"}:
            self.reporter.include_check(file, line, f"Config files missing '{shown}'.")

    def _include_one(self, name: str, file: str, line: int, readable: bool = False) -> None:
        if os.path.isdir(name):
            if readable:
                shown = name.rstrip("/") + "/"
                self.reporter.include_check(
                    file, line, f"Configuration file '{shown}' is a directory - skipping"
                )
            return
        if not os.path.isfile(name):  # /dev/zero, a FIFO, ...: never block or read forever
            self.reporter.error(file, line, f"included '{name}' is not a regular file")
            return
        self._included += 1
        if self._included > MAX_INCLUDED_FILES:
            self.reporter.error(file, line, f"too many included files (over {MAX_INCLUDED_FILES})")
            return
        if len(self._stack) >= MAX_INCLUDE_DEPTH or os.path.abspath(name) in self._stack:
            self.reporter.error(file, line, f"include of '{name}' nests too deeply (a loop?)")
            return
        text = self._read(name)
        if text is None:
            report = self.reporter.include_check if readable else self.reporter.error
            report(file, line, f"cannot read included file '{name}'")
            return
        self.read_text(text, name)

    # ---------------------------------------------------------------- one physical line
    def _physical_line(self, raw: str, file: str, number: int) -> None:
        """A line with comments, quotes, escapes, macros, conditions, generators or includes."""
        text = decomment(raw).strip()
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
        if text[0] == "~" and _GENERATOR.match(text):
            self._generate(text, file, number, depth)
            return
        self._emit(text, file, number)

    def _condition(self, text: str) -> str:
        match = _CONDITION.match(text)
        if match is None:
            return ""
        negate, ident, rest = match.groups()
        return rest.strip() if (ident == self.config_id) != bool(negate) else ""

    def _emit(self, text: str, file: str, number: int) -> None:
        words, closed = split_words(text)
        if not closed:
            self.reporter.error(file, number, "unterminated quoted string")
        for statement, brace in split_statements(words):
            self.emit(statement, file, number, brace)

    # ---------------------------------------------------------------- macros
    def _define(self, name: str, value: str) -> None:
        """``$NAME=value``; a value ending in ``\\`` starts a multi-line definition, continued
        by each following line that also ends in ``\\`` and ended by the first that does not
        (an empty or comment-only line ends it too, as in keepalived 2.2.7)."""
        if value.endswith("\\"):
            first = value[:-1].strip()
            self._definition = (name, [first] if first else [])
        else:
            self.macros[name] = value

    def _continue_definition(self, text: str) -> None:
        assert self._definition is not None
        more = text.endswith("\\")
        line = text[:-1].strip() if more else text
        if line:
            self._definition[1].append(line)
        if not more or not text:
            self._end_definition()

    def _end_definition(self) -> None:
        assert self._definition is not None
        name, lines = self._definition
        self._definition = None
        self.macros[name] = "\n".join(lines)

    def _expanded_lines(self, text: str, file: str, number: int, depth: int) -> None:
        """The lines a multi-line macro gave, each read as a line at ``number`` (a use with
        other words before it joins them to its first line, as keepalived does)."""
        if depth > MAX_MACRO_ROUNDS:
            self.reporter.error(file, number, "multi-line macros nest too deeply")
            return
        for line in text.split("\n"):
            line = line.strip()
            if line:
                self._logical(line, file, number, depth + 1)

    def _expand(self, text: str, file: str, number: int) -> str:
        """``text`` with every macro replaced, to a fixed point; "" (reported) when that does not
        come (a macro that uses itself) or the line grows past :data:`MAX_EXPANDED_LINE`."""
        for _ in range(MAX_MACRO_ROUNDS):
            expanded = _MACRO_USE.sub(lambda m: self._macro_value(m, file), text)
            if expanded == text:
                return expanded
            if len(expanded) > MAX_EXPANDED_LINE:
                break
            text = expanded
        self.reporter.error(file, number, "macro expansion does not terminate (recursive macro?)")
        return ""

    def _macro_value(self, match: re.Match[str], file: str) -> str:
        name = match.group(1) or match.group(2)
        if name in self.macros:
            return self.macros[name]
        builtin = self._builtin(name, file)
        return match.group(0) if builtin is None else builtin

    def _builtin(self, name: str, file: str) -> str | None:
        """keepalived 2.2.7's predefined macros (``_ENV`` came later: unknown here)."""
        if name == "_PWD":
            return os.path.dirname(os.path.abspath(file))
        if name == "_INSTANCE":
            return self.instance
        if name == "_HASH":
            return "#"
        if name == "_BANG":
            return "!"
        if name == "_RANDOM":
            return str(random.randint(0, RANDOM_MAX))
        return None

    # ---------------------------------------------------------------- ~SEQ / ~LST
    def _generate(self, text: str, file: str, number: int, depth: int) -> None:
        parsed = _parse_generator(text)
        if parsed is None:
            self.reporter.error(file, number, f"malformed generator '{text.split(')')[0]})'")
            return
        names, rows, rest = parsed
        saved = {name: self.macros.get(name) for name in names}
        try:
            for row in rows:
                self._generated += 1
                if self._generated > MAX_GENERATED_LINES or depth > 8:
                    self.reporter.error(file, number, "~SEQ/~LST generate too many lines")
                    return
                self.macros.update(zip(names, row, strict=True))
                if rest:
                    self._logical(rest, file, number, depth + 1)
        finally:
            for name, old in saved.items():
                if old is None:
                    self.macros.pop(name, None)
                else:
                    self.macros[name] = old


def _matches(pattern: str) -> list[str]:
    """The files one brace-free include pattern names: glob matches, or the name itself."""
    if glob.has_magic(pattern):
        return sorted(glob.glob(pattern))
    return [pattern] if os.path.exists(pattern) else []


def _parse_generator(text: str) -> tuple[list[str], list[tuple[str, ...]], str] | None:
    """``~SEQ(v, [start, [step,]] end) rest`` or ``~LST(v|{v,w}, item|{a,b}, ...) rest``."""
    head = _GENERATOR.match(text)
    if head is None:
        return None
    close = _closing_paren(text, head.end())
    if close < 0:
        return None
    args = _split_args(text[head.end() : close])
    rest = text[close + 1 :].strip()
    if not args:
        return None
    if head.group(1) == "LST":
        names = _group(args[0])
        rows = [_group(a) for a in args[1:]]
        if not names or any(len(r) != len(names) for r in rows):
            return None
        return names, [tuple(r) for r in rows], rest
    values = _sequence(args[1:], hexadecimal=head.group(1) == "SEQx")
    if values is None or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", args[0]):
        return None
    return [args[0]], [(v,) for v in values], rest


def _closing_paren(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "({":
            depth += 1
        elif text[i] in ")}":
            if depth == 0 and text[i] == ")":
                return i
            depth -= 1
    return -1


def _split_args(inner: str) -> list[str]:
    args: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    args.append("".join(current).strip())
    return args


def _group(arg: str) -> list[str]:
    if arg.startswith("{") and arg.endswith("}"):
        return [part.strip() for part in arg[1:-1].split(",")]
    return [arg]


def _sequence(args: list[str], hexadecimal: bool) -> list[str] | None:
    try:
        numbers = [int(a, 0) for a in args]
    except ValueError:
        return None
    if len(numbers) == 1:
        start, step, end = 1, 1, numbers[0]
    elif len(numbers) == 2:
        start, step, end = numbers[0], 1, numbers[1]
    elif len(numbers) == 3:
        start, step, end = numbers
    else:
        return None
    if step == 0 or abs(end - start) // abs(step) > MAX_GENERATED_LINES:
        return None
    stop = end + (1 if step > 0 else -1)
    return [format(v, "x") if hexadecimal else str(v) for v in range(start, stop, step)]
