# SPDX-License-Identifier: Apache-2.0
"""docs/_ext/benchplots.py: benchmark JSON checked, drawn and placed with ``.. bench-plot::``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from docs_build import ROOT, build, ext

benchplots = ext("benchplots")

SAMPLES = ROOT / "tests" / "data" / "bench"
DOCS_DATA = ROOT / "docs" / "_data" / "bench"


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


def test_a_sample_is_read_with_where_and_when() -> None:
    result = benchplots.load_result(SAMPLES / "sample.uml.json")
    assert result.benchmark == "sample"
    assert result.kind == "uml"
    assert result.where_label == "uml, kernel 7.2.7, Debian 12, 2 cores, 2026-12-03"
    assert result.cases() == ["add 2000x4", "dump 10000x4"]
    assert result.tools() == [
        "pyipvs apply",
        "ipvsadm -R",
        "C floor",
        "pyipvs table()",
        "ipvsadm -L -n",
    ]


def test_the_docs_own_results_follow_the_contract() -> None:
    results = benchplots.load_all(DOCS_DATA)
    assert {r.stem for r in results} >= {"ipvs_bulk.qemu", "pyipvsadm.qemu"}
    for result in results:
        assert result.kind in benchplots.KINDS
        assert result.rows


@pytest.mark.parametrize(("name", "log"), [("sample.uml.json", True), ("sample.host.json", False)])
def test_log_scale_only_when_the_values_span_more_than_10x(name: str, log: bool) -> None:
    result = benchplots.load_result(SAMPLES / name)
    figure = benchplots.draw(result)
    (axes,) = figure.axes
    assert axes.get_xscale() == ("log" if log else "linear")
    assert axes.get_title() == f"measured on {result.where_label}"
    assert [t.get_text() for t in axes.get_yticklabels()] == result.cases()
    assert len(axes.patches) == len(result.rows)  # one bar per row


def test_the_svg_keeps_its_text(tmp_path: Path) -> None:
    result = benchplots.load_result(SAMPLES / "sample.uml.json")
    out = tmp_path / "plot.svg"
    benchplots.render_plot(result, out)
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    for text in ("Sample: a wide span", "measured on uml, kernel 7.2.7", "ipvsadm -R"):
        assert text in svg


def _broken(change: dict[str, Any]) -> dict[str, Any]:
    data = sample("sample.uml.json")
    for key, value in change.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": None}, "missing key 'title'"),
        ({"unit": 5}, "'unit' must be str"),
        ({"measured_at": "yesterday"}, "is not ISO 8601"),
        ({"where": {"kind": "laptop", "kernel": "1"}}, "where.kind 'laptop' is not one of"),
        ({"rows": []}, "'rows' is empty"),
        ({"rows": [{"case": "a", "tool": "b", "value": 0}]}, "must be a positive number"),
        ({"rows": [{"case": "a", "tool": "b", "value": "1"}]}, "'value' must be float"),
        (
            {"rows": [{"case": "a", "tool": "b", "value": v} for v in (1, 2)]},
            "two rows for case 'a', tool 'b'",
        ),
        ({"benchmark": "other"}, "must be named other.json or other.uml.json"),
    ],
)
def test_a_file_that_breaks_the_contract_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(benchplots.BenchDataError, match=r"sample\.uml\.json") as caught:
        benchplots.parse_result(_broken(change), "sample.uml", "sample.uml.json")
    assert message in str(caught.value)


def _project(tmp_path: Path, files: list[str]) -> Path:
    data = tmp_path / "src" / "_data" / "bench"
    data.mkdir(parents=True)
    for name in files:
        shutil.copy(SAMPLES / name, data / name)
    return data


def test_directive_places_every_result_of_a_benchmark(tmp_path: Path) -> None:
    _project(tmp_path, ["sample.uml.json", "sample.host.json"])
    rst = "Bench\n=====\n\n.. bench-plot:: sample\n"
    built = build(tmp_path, rst, 'exclude_patterns = ["_data"]', extensions=("benchplots",))
    assert built.status == 0, built.warnings
    html = built.page()
    assert html.count('<img class="bench-plot"') == 2
    assert 'src="_images/bench/sample.uml.svg"' in html
    assert 'src="_images/bench/sample.host.svg"' in html
    assert html.count('class="bench-table') == 2
    assert "measured on uml, kernel 7.2.7, Debian 12, 2 cores, 2026-12-03" in html
    assert ">78x<" in html  # ipvsadm -R against the C floor, in the narrow table
    assert ">1.10x<" in html  # pyipvs apply against the C floor
    for stem in ("sample.uml", "sample.host"):
        assert (built.outdir / "_images" / "bench" / f"{stem}.svg").is_file()


def test_directive_options_pick_a_place_and_drop_the_table(tmp_path: Path) -> None:
    _project(tmp_path, ["sample.uml.json", "sample.host.json"])
    rst = "Bench\n=====\n\n.. bench-plot:: sample\n   :where: host\n   :plot-only:\n"
    built = build(tmp_path, rst, 'exclude_patterns = ["_data"]', extensions=("benchplots",))
    assert built.status == 0, built.warnings
    html = built.page()
    assert html.count('<img class="bench-plot"') == 1
    assert "sample.host.svg" in html
    assert "bench-table" not in html


def test_a_missing_result_is_a_build_error(tmp_path: Path) -> None:
    _project(tmp_path, [])
    rst = "Bench\n=====\n\n.. bench-plot:: ipvs_bulk\n"
    built = build(tmp_path, rst, extensions=("benchplots",))
    assert built.status != 0
    assert "bench-plot: no result of 'ipvs_bulk'" in built.warnings


def test_a_broken_result_file_stops_the_build(tmp_path: Path) -> None:
    data = _project(tmp_path, [])
    (data / "sample.uml.json").write_text('{"benchmark": "sample"')
    built = build(tmp_path, "Bench\n=====\n\nNo plot here.\n", extensions=("benchplots",))
    assert built.status != 0
    assert "cannot read the result" in built.warnings
