# SPDX-License-Identifier: Apache-2.0
"""The ``url`` block of HTTP_GET / SSL_GET (path, digest, status codes, virtualhost, regex) and
the on/off words of those checkers, read as keepalived 2.2.7 reads them (check_http.c)."""

from __future__ import annotations

import re

from pyipvs.config.model import UrlCheck
from pyipvs.config.sections.url_regex import REGEX_TABLE, finish_url_regex
from pyipvs.config.tree import Node
from pyipvs.config.values import (
    Context,
    Fields,
    Keyword,
    Table,
    extra_args,
    first_arg,
    freeze,
    options_table,
    run_block,
    set_str,
)


def _status_codes(ctx: Context, node: Node, fields: Fields) -> None:
    ranges: list[tuple[int, int]] = fields.setdefault("status_code", [])
    for word in node.args:
        match = re.fullmatch(r"(\d{3})(?:-(\d{3}))?", word)
        low = int(match.group(1)) if match else 0
        high = int(match.group(2) or low) if match else 0
        if match is None or not 100 <= low <= high <= 599:
            ctx.error(node, f"Invalid HTTP_GET status code '{word}' - ignoring")
            continue
        ranges.append((low, high))


def _digest(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is None:
        return
    if len(text) != 32 or not re.fullmatch(r"[0-9a-fA-F]+", text):
        ctx.error(node, f"digest '{text}' character length should be 32 rather than {len(text)}")
        return
    fields["digest"] = text.lower()
    extra_args(ctx, node, 1)


def http_bool(name: str) -> Keyword:
    """``fast_recovery`` / ``enable_sni`` ``[true|on|yes|false|off|no]`` (check_true_false:
    lower case only); a bad word is refused and the setting left as it was."""

    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        word = node.args[0] if node.args else "true"
        if word not in ("true", "on", "yes", "false", "off", "no"):
            ctx.error(node, f"Invalid {name} parameter {word}")
            return
        fields[name] = word in ("true", "on", "yes")

    return Keyword(handler)


URL_TABLE: Table = {
    **options_table("tls_compliant"),
    **REGEX_TABLE,
    "path": set_str("path"),
    "digest": Keyword(_digest),
    "status_code": Keyword(_status_codes),
    "virtualhost": set_str("virtualhost"),
}


def url_block(ctx: Context, node: Node, fields: Fields) -> None:
    values: Fields = {}
    run_block(ctx, node.children, URL_TABLE, values)
    if "path" not in values:
        ctx.error(node, "url block has no path - ignoring")
        return
    finish_url_regex(ctx, node, values)
    fields.setdefault("urls", []).append(UrlCheck(**freeze(values)))
