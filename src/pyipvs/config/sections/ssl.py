# SPDX-License-Identifier: Apache-2.0
"""The top-level ``SSL { password ca certificate key }`` block: SSL_GET's client TLS context.

As keepalived 2.2.7 reads it (check_parser.c): each keyword takes one value, a repeated one
replaces the first with ``SSL <what> already specified - replacing``, a missing value is
``SSL <what> missing``, and a second ``SSL`` block replaces the first.
"""

from __future__ import annotations

from pyipvs.config.model import SslConfig
from pyipvs.config.tree import Node
from pyipvs.config.values import Context, Fields, Keyword, Table, run_block

# keyword -> (field, the word keepalived uses in its messages)
_FILES = {
    "password": ("password", "password"),
    "ca": ("ca", "cafile"),
    "certificate": ("certificate", "certfile"),
    "key": ("key", "keyfile"),
}


def _file(keyword: str) -> Keyword:
    name, what = _FILES[keyword]

    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        if not node.args:
            ctx.error(node, f"SSL {what} missing")
            return
        if name in fields:
            ctx.error(node, f"SSL {what} already specified - replacing")
        fields[name] = node.args[0]

    return Keyword(handler)


SSL_TABLE: Table = {keyword: _file(keyword) for keyword in _FILES}


def parse_ssl(ctx: Context, node: Node, previous: SslConfig | None) -> SslConfig:
    if previous is not None:
        ctx.error(node, "SSL context already specified - replacing")
    fields: Fields = {}
    run_block(ctx, node.children, SSL_TABLE, fields)
    return SslConfig(**fields)
