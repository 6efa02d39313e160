"""A short, seeded run of tools/fuzz_config.py's mutations in CI (the long run is the script):
every mutated corpus file gives a ParseResult or a ConfigError, never another exception."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
_spec = importlib.util.spec_from_file_location("fuzz_config", ROOT / "tools" / "fuzz_config.py")
assert _spec is not None and _spec.loader is not None
fuzz_config = importlib.util.module_from_spec(_spec)
sys.modules["fuzz_config"] = fuzz_config
_spec.loader.exec_module(fuzz_config)


def test_corpus_is_kept_in_the_tree() -> None:
    assert len(list(fuzz_config.CORPUS.glob("*.conf"))) >= 4


def test_seeded_mutations_keep_the_rule(tmp_path: Path) -> None:
    rng = random.Random(2026)
    seeds = [p.read_bytes() for p in sorted(fuzz_config.CORPUS.glob("*.conf"))]
    failures = [
        failure
        for _ in range(400)
        if (failure := fuzz_config.one(fuzz_config.mutate(rng.choice(seeds), rng), tmp_path))
    ]
    assert failures == []
