# SPDX-License-Identifier: Apache-2.0
"""A small command-line scanner that behaves like libpopt, as ipvsadm uses it.

ipvsadm parses its arguments with popt, and scripts depend on popt's habits: short options may
be clustered (``-Ln``), an option's value may be glued to it (``-t10.0.0.1:80``) or follow it,
long options take ``--name=value`` or ``--name value``, an *optional* value is taken only when
the next word does not start with ``-``, words that are not options are kept aside as leftovers,
and ``--`` ends the options. Errors carry popt's messages (``unknown option``, ``missing
argument``) and the word popt blames (``poptBadOption``: the last word consumed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Arg(Enum):
    """How an option takes a value."""

    NONE = 0
    REQUIRED = 1
    OPTIONAL = 2


@dataclass(frozen=True)
class Option:
    """One entry of the option table: ``tag`` is what :meth:`Scanner.next` reports."""

    long: str | None
    short: str | None
    arg: Arg
    tag: str


class PoptError(Exception):
    """A scanning error, with popt's text (``poptStrerror``) and the word it blames."""

    def __init__(self, message: str, bad_word: str) -> None:
        super().__init__(message)
        self.message = message
        self.bad_word = bad_word


UNKNOWN_OPTION = "unknown option"
MISSING_ARGUMENT = "missing argument"
UNWANTED_ARGUMENT = "option does not take an argument"


class OptionTable:
    """The options indexed by long and short name (built once, shared by every scan)."""

    def __init__(self, options: Sequence[Option]) -> None:
        self.by_long = {opt.long: opt for opt in options if opt.long}
        self.by_short = {opt.short: opt for opt in options if opt.short}


class Scanner:
    """Walks ``argv`` (without the program name) the way ``poptGetNextOpt`` does."""

    def __init__(self, argv: Sequence[str], table: OptionTable) -> None:
        self._argv = list(argv)
        self._next = 0
        self._cluster = ""
        self._only_leftovers = False
        self._by_long = table.by_long
        self._by_short = table.by_short
        self.leftovers: list[str] = []

    @property
    def last_word(self) -> str:
        """The word popt blames for an error: the last one consumed."""
        return self._argv[self._next - 1] if self._next > 0 else ""

    def next(self) -> tuple[Option, str | None] | None:
        """The next option and its value, or ``None`` at the end; raises :class:`PoptError`."""
        while not self._cluster:
            if self._next >= len(self._argv):
                return None
            word = self._argv[self._next]
            self._next += 1
            if self._only_leftovers or not word.startswith("-") or word == "-":
                self.leftovers.append(word)
            elif word == "--":
                self._only_leftovers = True
            elif word.startswith("--"):
                return self._long(word[2:])
            else:
                self._cluster = word[1:]
        return self._short()

    def _long(self, body: str) -> tuple[Option, str | None]:
        name, eq, glued = body.partition("=")
        opt = self._by_long.get(name)
        if opt is None:
            raise PoptError(UNKNOWN_OPTION, self.last_word)
        if opt.arg is Arg.NONE:
            if eq:
                raise PoptError(UNWANTED_ARGUMENT, self.last_word)
            return opt, None
        if eq:
            return opt, glued
        return opt, self._value_from_next_word(opt)

    def _short(self) -> tuple[Option, str | None]:
        letter, rest = self._cluster[0], self._cluster[1:]
        opt = self._by_short.get(letter)
        if opt is None:
            self._cluster = ""
            raise PoptError(UNKNOWN_OPTION, self.last_word)
        if opt.arg is Arg.NONE:
            self._cluster = rest
            return opt, None
        self._cluster = ""
        if rest:
            return opt, rest[1:] if rest.startswith("=") else rest
        return opt, self._value_from_next_word(opt)

    def _value_from_next_word(self, opt: Option) -> str | None:
        at_end = self._next >= len(self._argv)
        if opt.arg is Arg.OPTIONAL:
            if at_end or self._argv[self._next].startswith("-"):
                return None
        elif at_end:
            raise PoptError(MISSING_ARGUMENT, self.last_word)
        value = self._argv[self._next]
        self._next += 1
        return value

    def next_leftover(self) -> str | None:
        """``poptGetArg``: the leftovers in order, once the options are exhausted."""
        return self.leftovers.pop(0) if self.leftovers else None
