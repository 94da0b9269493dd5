"""A runner takes its children with it (procs.py): killed with SIGKILL, its Kafka (Java), Redis,
SecantusDB and any other child die too, a child started from a thread that has since ended
included; stopped with SIGTERM or SIGHUP, it stops them through its normal stop path."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gongnon_infra.infra import ROOT

# A small runner: the local infrastructure, plus a child started from a worker thread that then
# ends. It prints its children's pids, waits for a stop signal, and stops them in `finally`.
RUNNER = """
import json, sys, threading
from pathlib import Path
from gongnon_infra.infra import LocalInfra
from gongnon_infra.procs import Proc, Stopped, stop_on_signals, stopping_quietly, wait_for_stop

stop_on_signals()
work = Path(sys.argv[1])
infra = LocalInfra(work)
started = {}
try:
    try:
        infra.start()
        sleeper = Proc("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], work / "logs" / "sleeper.log")
        worker = threading.Thread(target=lambda: started.update(sleeper=sleeper.start()))
        worker.start()
        worker.join()
        print(json.dumps({name: p.pid for name, p in {**infra.procs, **started}.items()}), flush=True)
        wait_for_stop()
    finally:
        with stopping_quietly():
            infra.stop()
            for p in started.values():
                p.stop()
            print("stopped its children", flush=True)
except Stopped:
    pass  # the signal came before wait_for_stop began: the same way out
"""
NOT_OURS = ("KAFKA_BOOTSTRAP", "MONGODB_URI", "REDIS_URL", "KAFKA_SCRAM_BOOTSTRAP")


def gone(pid: int) -> bool:
    """Exited (a zombie nobody has reaped yet counts as gone: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def start_runner(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    runner = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(tmp_path / "work")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert runner.stdout is not None
        for line in runner.stdout:
            lines.put(line.rstrip())

    threading.Thread(target=pump, daemon=True).start()
    return runner, lines


def children_of(runner: subprocess.Popen[str], lines: queue.Queue[str]) -> dict[str, int]:
    seen: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert runner.poll() is None, "the runner exited:\n" + "\n".join(seen[-30:])
            continue
        seen.append(line)
        if line.startswith("{"):
            pids: dict[str, int] = json.loads(line)
            return pids
    raise AssertionError("the runner did not start its children:\n" + "\n".join(seen[-30:]))


def wait_gone(pids: dict[str, int], timeout: float = 60) -> dict[str, int]:
    """Poll until every pid is gone; those still running at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = {name: pid for name, pid in pids.items() if not gone(pid)}
        if not left:
            return {}
        time.sleep(0.2)
    return {name: pid for name, pid in pids.items() if not gone(pid)}


def clean_up(pids: dict[str, int]) -> None:
    """Whatever a failing run left behind must not outlive the test."""
    for pid in pids.values():
        if not gone(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


def test_a_runner_killed_with_sigkill_takes_kafka_redis_and_the_rest_with_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in NOT_OURS}
    runner, lines = start_runner(tmp_path, env)
    pids: dict[str, int] = {}
    try:
        pids = children_of(runner, lines)
        assert set(pids) == {"kafka", "redis", "mongo", "sleeper"}
        assert "java" in cmdline(pids["kafka"])
        assert "redis-server" in cmdline(pids["redis"])
        time.sleep(1.0)  # the sleeper's thread ended a while ago: a child tied to it would be gone
        assert not [name for name, pid in pids.items() if gone(pid)], "a child died before its runner"
        runner.kill()
        runner.wait(timeout=30)
        assert wait_gone(pids) == {}, {name: cmdline(pid) for name, pid in pids.items() if not gone(pid)}
    finally:
        clean_up(pids)
        if runner.poll() is None:
            runner.kill()
            runner.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_runner_stopped_with_sigterm_or_sighup_stops_its_children_on_its_way_out(
    tmp_path: Path, sig: signal.Signals
) -> None:
    # Kafka and MongoDB "exist elsewhere": the runner starts only Redis and its sleeper (quicker).
    env = {k: v for k, v in os.environ.items() if k not in NOT_OURS}
    env |= {"KAFKA_BOOTSTRAP": "127.0.0.1:1", "MONGODB_URI": "mongodb://127.0.0.1:1/"}
    runner, lines = start_runner(tmp_path, env)
    pids: dict[str, int] = {}
    try:
        pids = children_of(runner, lines)
        assert set(pids) == {"redis", "sleeper"}
        runner.send_signal(sig)
        code = runner.wait(timeout=60)
        time.sleep(0.2)  # the last lines through the pump
        output = []
        while not lines.empty():
            output.append(lines.get())
        assert code == 0, output  # not killed by the signal: it went out through its `finally`
        assert "stopped its children" in output  # printed once each child had exited
        assert wait_gone(pids, timeout=5) == {}
    finally:
        clean_up(pids)
        if runner.poll() is None:
            runner.kill()
            runner.wait()
