# SPDX-License-Identifier: Apache-2.0
"""keepalived.conf ``include`` and its variants (``includer``, ``includem``, ``includew``,
``includeb``, ``includea``): brace and glob expansion, the checks each variant turns on, and
the limits that keep a hostile configuration from reading forever."""

from __future__ import annotations

import glob
import os
import re

from pyipvs.config.diagnostics import Reporter

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


class IncludeReader:
    """The include part of :class:`~pyipvs.config.lexer.Lexer` (a mixin: it reads each
    included file with the lexer's ``read_text``)."""

    reporter: Reporter
    _stack: list[str]  # the absolute names of the files being read, outermost first
    _included: int  # files included so far

    def read_text(self, text: str, name: str) -> None:
        raise NotImplementedError  # the lexer's

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
        if os.path.isdir(name):  # keepalived says so; only the checking variants fail on it
            shown = name.rstrip("/") + "/"
            report = self.reporter.include_check if readable else self.reporter.notice
            report(file, line, f"Configuration file '{shown}' is a directory - skipping")
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


def _matches(pattern: str) -> list[str]:
    """The files one brace-free include pattern names: glob matches, or the name itself."""
    if glob.has_magic(pattern):
        return sorted(glob.glob(pattern))
    return [pattern] if os.path.exists(pattern) else []
