# SPDX-License-Identifier: Apache-2.0
"""``virtual_routes`` / ``virtual_rules`` / ``static_routes`` / ``static_rules`` of a
keepalived.conf as route and rule specs (:mod:`pyipvs.vrrp.routes`), and the lines ``-P``
refuses to start with (each with ``file:line``).

keepalived 2.2.7 logs a line it cannot read and runs without it; ``pyipvs-keepalived -P``
refuses to start instead (a documented difference): a route that silently goes missing is a
failover that silently does not work.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyipvs.config import Diagnostic, KeepalivedConfig, Severity
from pyipvs.config.tree import Node
from pyipvs.vrrp.routes import (
    FIRST_RULE_PREFERENCE,
    RouteRefused,
    Spec,
    parse_route,
    parse_rule,
    rule_has_preference,
)

ROUTE_BLOCKS = ("virtual_routes", "static_routes")
RULE_BLOCKS = ("virtual_rules", "static_rules")


class RulePreferences:
    """keepalived's preference for a rule that names none: 16384, then one less for each
    such rule, over the whole file (seen with two instances: 16384, then 16383)."""

    def __init__(self) -> None:
        self._next = FIRST_RULE_PREFERENCE

    def take(self, words: tuple[str, ...]) -> int:
        if rule_has_preference(words):
            return 0  # not used
        value = self._next
        self._next -= 1
        return value


def specs(
    routes: Iterable[tuple[str, ...]],
    rules: Iterable[tuple[str, ...]],
    preferences: RulePreferences,
) -> tuple[Spec, ...]:
    """The routes, then the rules.

    :raises RouteRefused: a line outside the subset pyipvs reads.
    """
    out: list[Spec] = [parse_route(words) for words in routes]
    out.extend(parse_rule(words, preferences.take(words)) for words in rules)
    return tuple(out)


def static_specs(config: KeepalivedConfig, preferences: RulePreferences) -> tuple[Spec, ...]:
    """``static_routes`` and ``static_rules``: installed while the VRRP process runs."""
    return specs(config.static_routes, config.static_rules, preferences)


def route_refusals(blocks: Iterable[Node]) -> Iterator[Diagnostic]:
    """One fatal diagnostic per line of these route / rule blocks that pyipvs cannot install."""
    for block in blocks:
        for child in block.children or ():
            words = (child.keyword, *child.args)
            try:
                if block.keyword in ROUTE_BLOCKS:
                    parse_route(words)
                else:
                    parse_rule(words, FIRST_RULE_PREFERENCE)
            except RouteRefused as exc:
                yield Diagnostic(child.file, child.line, Severity.FATAL, f"{block.keyword}: {exc}")


def route_blocks(nodes: Iterable[Node]) -> Iterator[Node]:
    """The route and rule blocks among *nodes* (a ``vrrp_instance``'s children, or the
    file's top level)."""
    for node in nodes:
        if node.keyword in ROUTE_BLOCKS + RULE_BLOCKS and node.children is not None:
            yield node
