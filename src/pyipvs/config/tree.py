# SPDX-License-Identifier: Apache-2.0
"""Logical lines -> a tree of statements, with keepalived's brace diagnostics.

A line ending in ``{`` opens a block (a lone ``{`` opens one for the statement just before it, as
keepalived allows), a ``}`` closes it. What each keyword means is decided later, by the parser.
"""

from __future__ import annotations

from pyipvs.config.diagnostics import Reporter


class Node:
    """One statement: ``keyword args...`` and, for a block, its children (else None)."""

    __slots__ = ("args", "children", "file", "keyword", "line", "words")

    def __init__(self, words: tuple[str, ...], file: str, line: int, block: bool) -> None:
        self.words = words  # keyword and args, as the lexer gave them
        self.keyword = words[0]
        self.args = words[1:]
        self.file = file
        self.line = line
        self.children: list[Node] | None = [] if block else None

    def __repr__(self) -> str:
        return f"Node({self.keyword!r}, {self.args!r}, {self.file}:{self.line})"


# keepalived's deepest section (a checker inside a real server inside a virtual server, a
# track block inside an instance) is a handful of levels; this is far beyond any real config.
MAX_BLOCK_DEPTH = 64


class TreeBuilder:
    """Nests statements into blocks as the lexer produces them (no list of lines in between);
    reports extra and missing braces as keepalived does.

    The brace warnings are held back until :meth:`finish`, so they follow every diagnostic of
    the lexer, as when the tree was built after lexing."""

    __slots__ = ("last_file", "last_line", "reporter", "root", "stack", "warnings")

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.warnings = Reporter()
        self.root: list[Node] = []
        self.stack: list[list[Node]] = [self.root]  # the innermost open block last
        self.last_file = ""
        self.last_line = -1  # no line yet

    def add(self, words: tuple[str, ...], file: str, number: int, brace: str) -> None:
        """One logical line (the fields of a :class:`~pyipvs.config.lexer.Line`)."""
        self.last_file = file
        self.last_line = number
        if not brace:
            self.stack[-1].append(Node(words, file, number, False))
        elif brace == "{":
            self._open(words, file, number)
        elif len(self.stack) == 1:
            self.warnings.warning(file, number, "Extra '}' found")
        else:
            self.stack.pop()

    def _open(self, words: tuple[str, ...], file: str, number: int) -> None:
        if len(self.stack) > MAX_BLOCK_DEPTH:
            # Deeper than any keepalived section nests: the block is read (its braces still
            # count) but kept nowhere, so nothing downstream recurses over it. Reported once,
            # where the limit is crossed; everything else in the file is still checked.
            if len(self.stack) == MAX_BLOCK_DEPTH + 1:
                self.warnings.error(
                    file,
                    number,
                    f"block nested deeper than {MAX_BLOCK_DEPTH} levels - ignoring its contents",
                )
            self.stack.append([])
            return
        current = self.stack[-1]
        if not words:
            if current and current[-1].children is None:
                opened: Node = current[-1]
                opened.children = []
            else:
                self.warnings.warning(file, number, "Unexpected '{' - ignoring")
                opened = Node(("{",), file, number, block=True)
        else:
            opened = Node(words, file, number, block=True)
            current.append(opened)
        assert opened.children is not None
        self.stack.append(opened.children)

    def finish(self, main_file: str) -> list[Node]:
        """The top-level statements; reports the braces left open."""
        if len(self.stack) > 1:
            file, number = (
                (self.last_file, self.last_line) if self.last_line >= 0 else (main_file, 0)
            )
            missing = len(self.stack) - 1
            self.warnings.warning(file, number, f"There are {missing} missing '}}'s or extra '{{'s")
        self.reporter.items.extend(self.warnings.items)
        self.warnings.items.clear()
        return self.root


def build_tree(
    lines: list[tuple[tuple[str, ...], str, int, str]], reporter: Reporter, main_file: str
) -> list[Node]:
    """Nest ``lines`` into blocks; report extra and missing braces as keepalived does."""
    builder = TreeBuilder(reporter)
    for line in lines:
        builder.add(*line)
    return builder.finish(main_file)
