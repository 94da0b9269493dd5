"""Runs wrk (a real HTTP load generator, from Debian) and reads its figures."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA_DIR = Path(__file__).parent / "lua"


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    socket_errors: int
    non_2xx: int
    statuses: dict[str, int] = field(default_factory=dict)  # from the Lua script's COUNTS lines
    raw: str = ""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse(output: str) -> WrkResult:
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+),", output)
    if not m:
        raise RuntimeError(f"could not read wrk output:\n{output}")
    requests = int(m.group(1))
    duration = _ms(m.group(2), m.group(3)) / 1000
    pct = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)}
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    statuses: dict[str, int] = {}
    for status, count in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M):
        statuses[status] = statuses.get(status, 0) + int(count)
    return WrkResult(
        requests=requests,
        duration_s=duration,
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=pct.get("50", 0.0),
        p99_ms=pct.get("99", 0.0),
        socket_errors=errors,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        statuses=statuses,
        raw=output,
    )


def run_wrk(
    url: str,
    seconds: int,
    connections: int = 64,
    threads: int = 2,
    script: str | None = None,
    script_args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> WrkResult:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: ./dev bench installs it (apt-get install wrk)")
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        argv += ["-s", str(LUA_DIR / script)]
    argv.append(url)
    if script_args:
        argv += ["--", *script_args]
    import os

    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True)
    return parse(proc.stdout)
