# SPDX-License-Identifier: Apache-2.0
"""keepalived.conf macros and generators: ``$NAME=value`` definitions (multi-line ones too),
``$NAME`` / ``${NAME}`` expansion with keepalived 2.2.7's predefined macros, ``@id`` / ``@^id``
conditions, and the ``~SEQ(...)`` / ``~SEQx(...)`` / ``~LST(...)`` line generators."""

from __future__ import annotations

import os
import random
import re

from pyipvs.config.diagnostics import Reporter

MAX_MACRO_ROUNDS = 32
MAX_EXPANDED_LINE = 1_000_000  # characters one line may grow to by macro expansion
MAX_GENERATED_LINES = 1_000_000
# ``${NAME}`` anywhere, ``$NAME`` before whitespace. keepalived 2.2.7 takes no arguments inside
# the braces (``${_RANDOM 1 5}`` is left as it is, then split at its braces).
_MACRO_USE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|\Z)")
RANDOM_MAX = 32767
_CONDITION = re.compile(r"@(\^?)(\S*)\s*(.*)\Z", re.DOTALL)
_GENERATOR = re.compile(r"~(SEQx?|LST)\(")


class MacroExpander:
    """The macro part of :class:`~pyipvs.config.lexer.Lexer` (a mixin: expanded and generated
    lines go back to the lexer's ``_logical``)."""

    reporter: Reporter
    config_id: str
    instance: str  # ${_INSTANCE}
    macros: dict[str, str]
    # A multi-line ``$NAME= \`` definition being read: its name and the lines so far.
    _definition: tuple[str, list[str]] | None
    _generated: int  # lines generated so far

    def _logical(self, text: str, file: str, number: int, depth: int) -> None:
        raise NotImplementedError  # the lexer's

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

    def _condition(self, text: str) -> str:
        match = _CONDITION.match(text)
        if match is None:
            return ""
        negate, ident, rest = match.groups()
        return rest.strip() if (ident == self.config_id) != bool(negate) else ""


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


def is_generator(text: str) -> bool:
    """Whether a logical line starts with ``~SEQ(``, ``~SEQx(`` or ``~LST(``."""
    return _GENERATOR.match(text) is not None
