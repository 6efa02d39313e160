# SPDX-License-Identifier: Apache-2.0
"""The ``regex*`` keywords of an HTTP_GET / SSL_GET ``url`` block, read as keepalived 2.2.7 reads
them (check_http.c), each kept in the url's ``options`` for :mod:`pyipvs.daemon`.

keepalived reads the ``regex`` line again with its quoted-and-escaped splitter
(alloc_strvec_quoted_escaped): a backslash escape is decoded inside *and outside* quotes, and an
unknown escape keeps only its character, so ``regex \\d+`` is the pattern ``d+`` and one writes
``regex "\\\\d+"`` for ``\\d+``. pyipvs does the same from the line in the file. A pattern or
option that Python's ``re`` cannot express is an error naming the line, and the url then always
fails (a verdict is never guessed: :mod:`pyipvs.daemon.check.from_config` compiles it
again and gets the same refusal).
"""

from __future__ import annotations

from pyipvs.config.pcre import KNOWN_OPTIONS, RegexRefused, compile_regex
from pyipvs.config.tree import Node
from pyipvs.config.values import Context, Fields, Keyword, Table, keep_option

_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r"}
_SIMPLE_ESCAPES.update({"t": "\t", "v": "\v"})
_BLANKS = " \t\r\n\v\f"


def _escape(text: str, i: int) -> tuple[str, int]:
    """The escape after the backslash at ``text[i - 1]``: (character, next index)."""
    ch = text[i]
    if ch == "x" and i + 1 < len(text) and text[i + 1] in "0123456789abcdefABCDEF":
        j = i + 1
        while j < len(text) and text[j] in "0123456789abcdefABCDEF":
            j += 1
        return chr(int(text[i + 1 : j], 16) & 0xFF), j  # C keeps the low byte
    if ch == "c" and i + 1 < len(text):
        return chr(ord(text[i + 1]) & 0x1F), i + 2
    if "0" <= ch <= "7":
        j = i + 1
        while j < len(text) and j < i + 3 and "0" <= text[j] <= "7":
            j += 1
        return chr(int(text[i:j], 8) & 0xFF), j
    return _SIMPLE_ESCAPES.get(ch, ch), i + 1


def split_quoted_escaped(line: str) -> list[str] | None:
    """keepalived's alloc_strvec_quoted_escaped; None for an open quote or a lone ``\\``."""
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in _BLANKS:
            i += 1
        if i >= n:
            break
        word: list[str] = []
        quote = ""
        while i < n and (quote or line[i] not in _BLANKS):
            ch = line[i]
            if ch == "\\":
                if i + 1 >= n:
                    return None
                decoded, i = _escape(line, i + 1)
                word.append(decoded)
            elif ch == quote:
                quote, i = "", i + 1
            elif not quote and ch in "\"'":
                quote, i = ch, i + 1
            else:
                word.append(ch)
                i += 1
        if quote:
            return None
        words.append("".join(word))
    return words


def _source_words(node: Node) -> list[str] | None:
    try:
        with open(node.file, encoding="latin-1") as source:
            lines = source.read().splitlines()
    except OSError:
        return None
    if not 0 < node.line <= len(lines):
        return None
    words = split_quoted_escaped(lines[node.line - 1])
    return words if words and words[0] == node.keyword else None


def _regex(ctx: Context, node: Node, fields: Fields) -> None:
    words = _source_words(node) if any("\\" in arg for arg in node.args) else None
    if words is None:
        # no backslash: both splitters agree; else a macro made the line, and pyipvs's lexer
        # decoded escapes inside quotes only
        words = list(node.words)
    if len(words) != 2:
        ctx.error(node, "regex missing or too many fields")
        return
    fields.setdefault("options", []).append(("regex", (words[1],)))


def _options(ctx: Context, node: Node, fields: Fields) -> None:
    for word in node.args:
        if word not in KNOWN_OPTIONS:
            # keepalived ignores an unknown option without a word; pyipvs says so
            ctx.warn(node, f"unknown regex option '{word}' - ignoring")
    keep_option(ctx, node, fields)


def _offset(ctx: Context, node: Node, fields: Fields) -> None:
    kind = node.keyword.split("_")[1]
    if len(node.args) != 1:
        ctx.error(node, f"Missing or too may options for regex_{kind}_offset")
        return
    if not node.args[0].isdigit():
        ctx.error(node, f"Invalid regex_{kind}_offset {node.args[0]} specified")
        return
    keep_option(ctx, node, fields)


def _stack(ctx: Context, node: Node, fields: Fields) -> None:
    """PCRE2's JIT stack size: re has no such limit, so it is checked and has no effect."""
    if len(node.args) != 2:
        ctx.error(node, "regex_stack requires start and max values")
    elif not all(arg.isdigit() for arg in node.args):
        ctx.error(node, "regex_stack invalid start or max value")
    elif int(node.args[0]) > int(node.args[1]):
        ctx.error(node, "regex stack start cannot exceed max value")


REGEX_TABLE: Table = {
    "regex": Keyword(_regex),
    "regex_no_match": Keyword(keep_option),
    "regex_options": Keyword(_options),
    "regex_min_offset": Keyword(_offset),
    "regex_max_offset": Keyword(_offset),
    "regex_stack": Keyword(_stack),
}
_SETTINGS = frozenset(REGEX_TABLE) - {"regex"}


def finish_url_regex(ctx: Context, node: Node, values: Fields) -> None:
    """The end of a url block (keepalived's url_check): settings without a regex are dropped,
    a min offset past the max drops both, and the pattern must compile."""
    options: list[tuple[str, tuple[str, ...]]] = values.get("options", [])
    named = {name: args for name, args in options}
    if "regex" not in named:
        if _SETTINGS & named.keys():
            ctx.error(node, "regex parameters specified without regex")
            values["options"] = [o for o in options if o[0] not in _SETTINGS]
        return
    low = int(named.get("regex_min_offset", ("0",))[0])
    high = named.get("regex_max_offset")
    if high is not None and low > int(high[0]):
        ctx.error(node, f"regex min offset {low} > regex_max_offset {high[0]} - ignoring")
        values["options"] = [o for o in options if not o[0].endswith("_offset")]
    flags = tuple(word for name, args in options if name == "regex_options" for word in args)
    try:
        compile_regex(named["regex"][0], flags)
    except RegexRefused as exc:
        keyword = "regex_options" if str(exc).startswith("regex_options") else "regex"
        where = [child for child in node.children or () if child.keyword == keyword]
        ctx.error(where[-1] if where else node, f"{exc} - the url will always fail")
