# SPDX-License-Identifier: Apache-2.0
"""Benchmark results as plots: every ``docs/_data/bench/*.json`` becomes a plot at build time.

The JSON contract (written by ``benchmarks/``, see ``/work/notes/bench-json.md``)::

    {"benchmark": "ipvs_bulk", "title": "IPVS bulk operations",
     "measured_at": "2026-12-03T11:02:00Z",            # UTC ISO 8601, a date alone is accepted
     "where": {"kind": "uml", "kernel": "7.2.7", ...},  # kind: host | uml | qemu
     "unit": "s", "lower_is_better": true,
     "rows": [{"case": "add 2000x4", "tool": "pyipvs apply", "value": 0.011}, ...],
     "notes": "medians of 7 runs"}                      # optional

A file is named ``<benchmark>.json`` or, when the same benchmark was measured in several places,
``<benchmark>.<kind>.json``.

At ``builder-inited`` every result file is checked and drawn (matplotlib on its non-interactive
Agg backend, through ``Figure`` objects rather than pyplot's global state) as an SVG into the
HTML output's ``_images/bench/``: rows grouped by ``case``, one bar per ``tool``, a log scale
when the values span more than 10x, and the title says where and when it was measured.

``.. bench-plot:: <benchmark>`` places the plot and a narrow table of the rows of every result
file of that benchmark (``:where: <kind>`` keeps one; ``:plot-only:`` leaves the table out, for
a page that has its own). A benchmark without a result file, or a
file that breaks the contract, is a build error: a page must not silently lose its figures.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KINDS = ("host", "uml", "qemu")
LOG_SCALE_SPAN = 10.0
LEGEND_COLUMNS = 4
IMAGE_DIR = "bench"


class BenchDataError(ExtensionError):
    """A result file that does not follow the JSON contract."""


@dataclass(frozen=True)
class Row:
    case: str
    tool: str
    value: float


@dataclass(frozen=True)
class BenchResult:
    stem: str
    benchmark: str
    title: str
    measured_at: str
    kind: str
    kernel: str
    host: str
    unit: str
    lower_is_better: bool
    rows: tuple[Row, ...]
    notes: str

    @property
    def date(self) -> str:
        return self.measured_at[:10]

    @property
    def where_label(self) -> str:
        """Where and when, e.g. ``uml, kernel 7.2.7, Debian 12, 2 cores, 2026-12-03``."""
        parts = [self.kind, f"kernel {self.kernel}"]
        if self.host:
            parts.append(self.host)
        parts.append(self.date)
        return ", ".join(parts)

    def cases(self) -> list[str]:
        return list(dict.fromkeys(row.case for row in self.rows))

    def tools(self) -> list[str]:
        return list(dict.fromkeys(row.tool for row in self.rows))

    def span(self) -> float:
        values = [row.value for row in self.rows]
        return max(values) / min(values)


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise BenchDataError(f"{where}: missing key {key!r}")
    value = data[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise BenchDataError(f"{where}: {key!r} must be {kind.__name__}, not {value!r}")
    return value


def _parse_time(text: str, where: str) -> str:
    try:
        if len(text) == 10:
            dt.date.fromisoformat(text)
        else:
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BenchDataError(f"{where}: measured_at {text!r} is not ISO 8601") from None
    return text


def _parse_rows(raw: list[Any], where: str) -> tuple[Row, ...]:
    rows = []
    for index, item in enumerate(raw):
        at = f"{where}: rows[{index}]"
        if not isinstance(item, dict):
            raise BenchDataError(f"{at} must be an object")
        value = _require(item, "value", float, at)
        if not math.isfinite(value) or value <= 0:
            raise BenchDataError(f"{at}: value must be a positive number, not {value!r}")
        rows.append(Row(_require(item, "case", str, at), _require(item, "tool", str, at), value))
    if not rows:
        raise BenchDataError(f"{where}: 'rows' is empty")
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if (row.case, row.tool) in seen:
            raise BenchDataError(f"{where}: two rows for case {row.case!r}, tool {row.tool!r}")
        seen.add((row.case, row.tool))
    return tuple(rows)


def parse_result(data: Any, stem: str, where: str) -> BenchResult:
    """Check one decoded result file against the contract."""
    if not isinstance(data, dict):
        raise BenchDataError(f"{where}: the top level must be an object")
    place = _require(data, "where", dict, where)
    kind = _require(place, "kind", str, where + ": where")
    if kind not in KINDS:
        raise BenchDataError(f"{where}: where.kind {kind!r} is not one of {', '.join(KINDS)}")
    benchmark = _require(data, "benchmark", str, where)
    if stem not in (benchmark, f"{benchmark}.{kind}"):
        raise BenchDataError(
            f"{where}: a result of {benchmark!r} measured on {kind} must be named "
            f"{benchmark}.json or {benchmark}.{kind}.json"
        )
    return BenchResult(
        stem=stem,
        benchmark=benchmark,
        title=_require(data, "title", str, where),
        measured_at=_parse_time(_require(data, "measured_at", str, where), where),
        kind=kind,
        kernel=str(_require(place, "kernel", str, where + ": where")),
        host=str(place.get("host", "")),
        unit=_require(data, "unit", str, where),
        lower_is_better=_require(data, "lower_is_better", bool, where),
        rows=_parse_rows(_require(data, "rows", list, where), where),
        notes=str(data.get("notes", "")),
    )


def load_result(path: Path) -> BenchResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BenchDataError(f"{path}: cannot read the result: {exc}") from None
    return parse_result(data, path.name.removesuffix(".json"), str(path))


def load_all(data_dir: Path) -> list[BenchResult]:
    return [load_result(path) for path in sorted(data_dir.glob("*.json"))]


def _format_value(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if value < 0.01 else f"{value:.3f}"


def uses_log_scale(result: BenchResult) -> bool:
    return result.span() > LOG_SCALE_SPAN


def draw(result: BenchResult) -> Figure:
    """One result as grouped horizontal bars: a group per case, a bar per tool, in file order."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    cases, tools = result.cases(), result.tools()
    per_case = [[row for row in result.rows if row.case == case] for case in cases]
    bar_height = 0.8 / max(len(rows) for rows in per_case)
    colours = [f"C{index % 10}" for index in range(len(tools))]
    legend_rows = math.ceil(len(tools) / LEGEND_COLUMNS)
    height = 1.3 + 0.25 * legend_rows + 0.27 * sum(len(rows) + 0.7 for rows in per_case)
    fig = Figure(figsize=(8.6, height), layout="constrained")
    ax = fig.add_subplot()
    for group, rows in enumerate(per_case):
        offset = (len(rows) - 1) * bar_height / 2
        for slot, row in enumerate(rows):
            y = group + slot * bar_height - offset
            colour = colours[tools.index(row.tool)]
            ax.barh(y, row.value, height=bar_height * 0.9, color=colour)
            ax.text(row.value, y, f" {_format_value(row.value)}", va="center", fontsize=8)
    ax.set_yticks(range(len(cases)), cases)
    ax.invert_yaxis()
    if uses_log_scale(result):
        ax.set_xscale("log")
    better = " (lower is better)" if result.lower_is_better else " (higher is better)"
    ax.set_xlabel(result.unit + better)
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [Rectangle((0, 0), 1, 1, color=colour) for colour in colours]
    columns = min(len(tools), LEGEND_COLUMNS)
    fig.legend(handles, tools, fontsize=8, loc="outside lower center", ncols=columns, frameon=False)
    fig.suptitle(result.title, fontsize=11, fontweight="bold")
    ax.set_title(f"measured on {result.where_label}", fontsize=8.5, color="#555555")
    return fig


def render_plot(result: BenchResult, out: Path) -> None:
    """Draw one result into an SVG whose text stays text (searchable, sharp, small)."""
    import matplotlib

    matplotlib.use("Agg")
    out.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": result.stem}):
        draw(result).savefig(out, format="svg", metadata={"Date": None})


class bench_plot(nodes.General, nodes.Element):
    """An image of one result's plot; only the HTML builder draws it."""


def visit_bench_plot_html(self: Any, node: bench_plot) -> None:
    src = posixpath.join(self.builder.imgpath, IMAGE_DIR, node["stem"] + ".svg")
    alt = self.attval(node["alt"])
    self.body.append(f'<img class="bench-plot" src="{src}" alt="{alt}" />\n')
    raise nodes.SkipNode


def skip_node(self: Any, node: nodes.Element) -> None:
    raise nodes.SkipNode


def rows_table(result: BenchResult) -> nodes.table:
    """case | tool | value | its ratio to the best of its case (1.00x is the best)."""
    best = {
        case: (min if result.lower_is_better else max)(
            row.value for row in result.rows if row.case == case
        )
        for case in result.cases()
    }
    header = ["case", "tool", result.unit, "to the best"]
    body = [
        [row.case, row.tool, f"{row.value:,.6g}", _ratio(row.value, best[row.case])]
        for row in result.rows
    ]
    return _table(header, body, classes=["bench-table"])


def _ratio(value: float, best: float) -> str:
    ratio = max(value, best) / min(value, best)
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.0f}x"


def _table(header: Sequence[str], body: Sequence[Sequence[str]], classes: list[str]) -> nodes.table:
    table = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    thead, tbody = nodes.thead(), nodes.tbody()
    group += thead
    group += tbody
    thead += _table_row(header, numeric_from=len(header))
    for cells in body:
        tbody += _table_row(cells, numeric_from=2)
    return table


def _table_row(cells: Sequence[str], numeric_from: int) -> nodes.row:
    row = nodes.row()
    for index, text in enumerate(cells):
        entry = nodes.entry(classes=["bench-value"] if index >= numeric_from else [])
        entry += nodes.paragraph(text=text)
        row += entry
    return row


class BenchPlotDirective(SphinxDirective):
    """``.. bench-plot:: <benchmark>``, options ``:where: host|uml|qemu`` and ``:plot-only:``."""

    required_arguments = 1
    option_spec = {  # noqa: RUF012 (docutils reads it as a class attribute)
        "where": lambda arg: directives.choice(arg, KINDS),
        "plot-only": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        data_dir = Path(self.env.srcdir) / self.config.benchplots_data_dir
        paths = sorted(data_dir.glob(f"{name}.json")) + sorted(data_dir.glob(f"{name}.*.json"))
        if "where" in self.options:
            paths = [p for p in paths if p.name == f"{name}.{self.options['where']}.json"]
        if not paths:
            where = f" measured on {self.options['where']}" if "where" in self.options else ""
            raise self.error(
                f"bench-plot: no result of {name!r}{where} in {data_dir} "
                f"(expected {name}.json or {name}.<kind>.json)"
            )
        out: list[nodes.Node] = []
        for path in paths:
            self.env.note_dependency(str(path))
            try:
                result = load_result(path)
            except BenchDataError as exc:
                raise self.error(f"bench-plot: {exc}") from None
            out.append(self._figure(result))
        return out

    def _figure(self, result: BenchResult) -> nodes.Element:
        figure = nodes.container(classes=["bench-figure"])
        figure += bench_plot(stem=result.stem, alt=f"{result.title}, {result.where_label}")
        caption = f"{result.title}: measured on {result.where_label}."
        if result.notes:
            caption += f" Notes: {result.notes}."
        figure += nodes.paragraph(text=caption, classes=["bench-caption"])
        if "plot-only" not in self.options:
            figure += rows_table(result)
        return figure


def render_all(app: Sphinx) -> None:
    """builder-inited: check and draw every result file (HTML builders only)."""
    if app.builder.format != "html":
        return
    data_dir = Path(app.srcdir) / app.config.benchplots_data_dir
    image_dir = Path(app.outdir) / "_images" / IMAGE_DIR
    for result in load_all(data_dir):
        render_plot(result, image_dir / f"{result.stem}.svg")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("benchplots_data_dir", "_data/bench", "env")
    app.add_node(
        bench_plot,
        html=(visit_bench_plot_html, None),
        latex=(skip_node, None),
        text=(skip_node, None),
        man=(skip_node, None),
        texinfo=(skip_node, None),
    )
    app.add_directive("bench-plot", BenchPlotDirective)
    app.connect("builder-inited", render_all)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
