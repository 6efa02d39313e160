"""Logical lines -> a tree of statements, with keepalived's brace diagnostics.

A line ending in ``{`` opens a block (a lone ``{`` opens one for the statement just before it, as
keepalived allows), a ``}`` closes it. What each keyword means is decided later, by the parser.
"""

from __future__ import annotations

from pyipvs.config.diagnostics import Reporter
from pyipvs.config.lexer import RawLine


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


def build_tree(lines: list[RawLine], reporter: Reporter, main_file: str) -> list[Node]:
    """Nest ``lines`` into blocks; report extra and missing braces as keepalived does."""
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    current = root
    for words, file, number, brace in lines:
        if not brace:
            current.append(Node(words, file, number, False))
        elif brace == "{":
            if not words:
                if current and current[-1].children is None:
                    opened: Node = current[-1]
                    opened.children = []
                else:
                    reporter.warning(file, number, "Unexpected '{' - ignoring")
                    opened = Node(("{",), file, number, block=True)
            else:
                opened = Node(words, file, number, block=True)
                current.append(opened)
            assert opened.children is not None
            stack.append(opened.children)
            current = opened.children
        elif len(stack) == 1:
            reporter.warning(file, number, "Extra '}' found")
        else:
            stack.pop()
            current = stack[-1]
    if len(stack) > 1:
        _, file, number, _ = lines[-1] if lines else ((), main_file, 0, "")
        reporter.warning(file, number, f"There are {len(stack) - 1} missing '}}'s or extra '{{'s")
    return root
