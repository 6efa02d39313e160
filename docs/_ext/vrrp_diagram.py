# SPDX-License-Identifier: Apache-2.0
"""A state diagram drawn, at build time, from the transition table the code itself uses.

Usage::

    .. vrrp-state-diagram:: pyipvs.vrrp.machine:TRANSITIONS
       :initial: INIT
       :caption: The VRRP state machine (RFC 5798 section 6.4)

The argument is a dotted path to an object, ``package.module:attribute`` (or
``package.module.attribute``; ``attribute`` may itself be dotted). The directive imports it and
hands the table to graphviz (``sphinx.ext.graphviz``), so the picture cannot drift from the code.

The table contract
------------------
The object is an iterable of transitions. Each transition is a 4-tuple (a named tuple is fine)::

    (from_state, event, to_state, condition_label)

Each element is a string, or an object whose ``.name`` is a string (an :class:`enum.Enum`
member, say), or else any object whose ``str()`` is the label. ``condition_label`` may be
``""`` or ``None`` for an unconditional transition. States are drawn in the order they first
appear; one edge per transition, labelled ``event`` and, below it, ``[condition]``. A mapping is
not a table (iterate its items into tuples first); anything else that breaks the contract is a
build error naming the offending entry.

Options: ``:initial: STATE`` draws an entry arrow into ``STATE``; ``:caption:`` and ``:alt:`` as
for ``.. graphviz::``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.ext.graphviz import figure_wrapper, graphviz
from sphinx.util.docutils import SphinxDirective


class TableError(ValueError):
    """The object named by the directive is not a transition table."""


@dataclass(frozen=True)
class Transition:
    source: str
    event: str
    target: str
    condition: str


def label(item: object) -> str:
    """A table element's text: a string as is, else its ``.name``, else ``str()``."""
    if isinstance(item, str):
        return item
    name = getattr(item, "name", None)
    if isinstance(name, str):
        return name
    return str(item)


def resolve(dotted: str) -> tuple[Any, Any]:
    """Import ``module:attr.sub`` (or ``module.attr``); return (the object, its module)."""
    if ":" in dotted:
        module_name, _, attr_path = dotted.partition(":")
    else:
        module_name, _, attr_path = dotted.rpartition(".")
    if not module_name or not attr_path:
        raise TableError(f"{dotted!r} is not a dotted path like package.module:TABLE")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TableError(f"cannot import {module_name!r}: {exc}") from None
    obj: Any = module
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TableError(f"{module_name!r} has no attribute {attr_path!r}") from None
    return obj, module


def parse_table(table: object) -> list[Transition]:
    """Check the table contract (see the module docstring) and return its transitions."""
    if isinstance(table, (str, bytes, Mapping)) or not isinstance(table, Iterable):
        raise TableError(
            f"the table must be an iterable of (from_state, event, to_state, condition) "
            f"tuples, not {type(table).__name__}"
        )
    transitions = []
    for index, entry in enumerate(table):
        if not isinstance(entry, tuple) or len(entry) != 4:
            raise TableError(
                f"entry {index} must be a (from_state, event, to_state, condition) tuple, "
                f"not {entry!r}"
            )
        source, event, target, condition = entry
        text = "" if condition is None else label(condition)
        transitions.append(Transition(label(source), label(event), label(target), text))
    if not transitions:
        raise TableError("the table has no transitions")
    return transitions


def _quote(text: str) -> str:
    """A dot string literal; a newline in the text becomes dot's centred line break."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(transitions: list[Transition], initial: str | None = None) -> str:
    """The graphviz source of the diagram."""
    states = list(dict.fromkeys(s for t in transitions for s in (t.source, t.target)))
    if initial is not None and initial not in states:
        raise TableError(f"initial state {initial!r} is not in the table ({', '.join(states)})")
    lines = [
        "digraph vrrp_states {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.5; ranksep=0.9;',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#3b6db3",'
        ' fontsize=12, margin="0.25,0.12"];',
        '  edge [fontsize=9, color="#555555", arrowsize=0.7];',
    ]
    lines += [f"  {_quote(state)};" for state in states]
    if initial is not None:
        lines.append('  "__start__" [shape=point, width=0.12, label="", fillcolor="#3b6db3"];')
        lines.append(f'  "__start__" -> {_quote(initial)};')
    for t in transitions:
        text = t.event + (f"\n[{t.condition}]" if t.condition else "")
        lines.append(f"  {_quote(t.source)} -> {_quote(t.target)} [label={_quote(text)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


class VrrpStateDiagram(SphinxDirective):
    """``.. vrrp-state-diagram:: package.module:TABLE``."""

    required_arguments = 1
    option_spec = {  # noqa: RUF012 (docutils reads it as a class attribute)
        "initial": directives.unchanged_required,
        "caption": directives.unchanged,
        "alt": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        dotted = self.arguments[0]
        try:
            table, module = resolve(dotted)
            code = to_dot(parse_table(table), self.options.get("initial"))
        except TableError as exc:
            raise self.error(f"vrrp-state-diagram {dotted}: {exc}") from None
        source = inspect.getsourcefile(module)
        if source:
            self.env.note_dependency(source)
        node = graphviz()
        node["code"] = code
        node["options"] = {"docname": self._docname()}
        node["alt"] = self.options.get("alt", f"state diagram of {dotted}")
        if "caption" not in self.options:
            return [node]
        return [figure_wrapper(self, node, self.options["caption"])]

    def _docname(self) -> str:
        current = getattr(self.env, "current_document", None)
        return current.docname if current is not None else self.env.docname


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.graphviz")
    app.add_directive("vrrp-state-diagram", VrrpStateDiagram)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
