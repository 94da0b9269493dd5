"""`./dev bench NAME`: benchmarks that ship with the project. Each module has run(args) -> int and
writes bench-results/NAME.json."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from gongnon_infra.infra import ROOT

RESULTS = ROOT / "bench-results"
BENCHES = ("votes", "spread", "similar", "lists", "webhooks", "chaos", "scale")


def write_results(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return path


def run_bench(name: str, rest: list[str]) -> int:
    if name not in BENCHES:
        print(f"unknown benchmark {name!r}; choose one of: {', '.join(BENCHES)}")
        return 2
    module = importlib.import_module(f"gongnon_infra.bench.{name}")
    return int(module.run(rest))
