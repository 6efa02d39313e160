# SPDX-License-Identifier: Apache-2.0
"""The verdicts at the end of a run: each phase's measurement against what the config
promises, in words a person can check, and for ``--json`` as values."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

SIGMAS = 3  # the split's tolerance: three standard deviations of a binomial share


def _verdict(check: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"check": check, "ok": ok, "detail": detail}


def split_tolerance(share: float, requests: int) -> float:
    """How far an observed share may be from the weights' share: SIGMAS binomial standard
    deviations (wlc is near-deterministic for one request at a time; this is generous)."""
    return SIGMAS * math.sqrt(share * (1 - share) / requests)


def _split(doc: dict[str, Any]) -> dict[str, Any]:
    total = sum(doc["answers"].values())
    worst = []
    for server, share in doc["expected"].items():
        seen = doc["answers"].get(server, 0) / total
        worst.append((abs(seen - share) <= split_tolerance(share, total), server, seen, share))
    detail = ", ".join(f"{s} {seen:.0%} (weights: {share:.0%})" for _, s, seen, share in worst)
    return _verdict("split close to the weights", all(ok for ok, *_ in worst), detail)


def _notify(events: list[dict[str, Any]], failover: bool) -> dict[str, Any]:
    texts = [e["text"] for e in events]
    wanted = ["lb1: notify_master", "lb2: notify_backup"]
    wanted += ["lb2: notify_master"] if failover else []
    missing = [w for w in wanted if not any(t.startswith(w) for t in texts)]
    return _verdict(
        "notify scripts ran",
        not missing,
        "missing: " + ", ".join(missing) if missing else ", ".join(wanted),
    )


def judge(documents: list[dict[str, Any]], failure: str) -> list[dict[str, Any]]:
    by_phase = {doc["phase"]: doc for doc in documents}
    verdicts = []
    if "start" in by_phase:
        seconds = by_phase["start"]["serving_after"]
        verdicts.append(_verdict("HTTP through 10.0.0.5", True, f"after {seconds:.1f} s"))
    if "split" in by_phase:
        verdicts.append(_split(by_phase["split"]))
    if "listing" in by_phase:
        same = by_phase["listing"]["identical"]
        verdicts.append(
            _verdict(
                "pyipvsadm -L -n = ipvsadm -L -n", same, "byte for byte" if same else "they differ"
            )
        )
    if "failover" in by_phase:
        doc = by_phase["failover"]
        verdicts.append(
            _verdict(
                "failover within the VRRP bound",
                doc["seconds"] <= doc["bound"],
                f"{doc['seconds']:.2f} s (bound {doc['bound']:.2f} s)",
            )
        )
    for phase, check, server in (
        ("rs-down", "dead real server out of the pool", "rs2"),
        ("sorry", "sorry server when all are down", "sorry"),
    ):
        if phase in by_phase:
            doc = by_phase[phase]
            ok = set(doc["answers"]) == {server}
            answers = ", ".join(f"{s} {n}" for s, n in sorted(doc["answers"].items()))
            detail = (
                f"after {doc['seconds']:.1f} s (bound {doc['bound']:.0f} s); next 10: {answers}"
            )
            verdicts.append(_verdict(check, ok, detail))
    if documents:
        verdicts.append(_notify(documents[-1]["events"], "failover" in by_phase))
    if failure:
        verdicts.append(_verdict("every phase finished", False, failure))
    return verdicts


def summary_lines(verdicts: list[dict[str, Any]], directory: Path) -> list[str]:
    lines = ["summary"]
    lines += [f"  {'ok  ' if v['ok'] else 'FAIL'}  {v['check']}: {v['detail']}" for v in verdicts]
    good = all(v["ok"] for v in verdicts)
    lines.append(f"  {'everything the config promises happened' if good else 'FAILED'}")
    lines.append(f"  configs, daemon logs, notify log: {directory}")
    return lines


__all__ = ["judge", "split_tolerance", "summary_lines"]
