"""Where the time goes: py-spy samples a running service and we sum its stacks by package."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

GROUPS = (
    ("aiokafka", "kafka client (aiokafka)"),
    ("redis", "redis client"),
    ("pymongo", "mongodb client"),
    ("aiohttp", "http client (aiohttp)"),
    ("uvicorn", "http server (uvicorn)"),
    ("httptools", "http server (uvicorn)"),
    ("starlette", "web framework (starlette/fastapi)"),
    ("fastapi", "web framework (starlette/fastapi)"),
    ("pydantic", "validation (pydantic)"),
    ("opentelemetry", "telemetry"),
    ("prometheus_client", "metrics"),
    ("json", "json"),
    ("orjson", "json"),
    ("asyncio", "event loop"),
    ("uvloop", "event loop"),
    ("voting_svc", "voting-svc code"),
    ("gongnon_gateway", "gateway code"),
    ("gongnon_chassis", "chassis code"),
    ("logging", "logging"),
    ("secantus", "secantusdb server"),
    ("wiredtiger", "storage engine (wiredtiger)"),
    ("bson", "bson"),
)


def start(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        return None
    return subprocess.Popen(
        [exe, "record", "-p", str(pid), "-d", str(seconds), "-r", "97", "-f", "raw", "-o", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _group(frame: str) -> str:
    # raw frames look like "function (path/to/module.py:123)"
    path = frame[frame.rfind("(") + 1 :] if "(" in frame else frame
    for key, label in GROUPS:
        if re.search(rf"(^|/){re.escape(key)}(/|\.py|$)", path):
            return label
    return "other"


def summarize(raw: Path, top: int = 8) -> str:
    if not raw.exists():
        return "  (no profile: py-spy could not attach)"
    by_group: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        leaf = frames[-1]
        total += n
        by_leaf[leaf.split(" (")[0] + " " + _group(leaf)] += n
        # Attribute the sample to the innermost frame that belongs to a known package.
        label = next((g for g in (_group(f) for f in reversed(frames)) if g != "other"), "other")
        by_group[label] += n
    if not total:
        return "  (no samples)"
    lines = [f"  {100 * n / total:5.1f}%  {g}" for g, n in by_group.most_common()]
    lines.append("  hottest functions (self time):")
    lines += [f"    {100 * n / total:5.1f}%  {f}" for f, n in by_leaf.most_common(top)]
    return "\n".join(lines)
