"""Start and stop local processes (infrastructure and services) and wait until they answer.

A runner takes its children with it. SIGTERM and SIGHUP stop it the way Ctrl-C does, through
every `finally` (`stop_on_signals`), so each child is stopped gracefully. A runner killed with
SIGKILL runs no code at all: for that the kernel is asked, in each child before it executes its
program, to send the child SIGKILL when its parent dies (Linux `prctl(PR_SET_PDEATHSIG)`; Java
and redis-server keep it across exec). The kernel ties that signal to the *thread* that forked
the child, so every child is forked from one thread that lives as long as the runner, not from
whichever worker thread asked (a child started from an executor would die with that thread)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import os
import queue
import random
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
PR_SET_PDEATHSIG = 1


def _libc_prctl() -> Any:
    # Looked up here, in the parent: after fork, the child only calls it (no dlopen there).
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: SIGTERM and SIGHUP still stop the children
        return None


_PRCTL = _libc_prctl()


def _die_with(parent: int) -> Callable[[], None] | None:
    if _PRCTL is None:
        return None

    def in_child() -> None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made: follow it now
            os._exit(1)

    return in_child


class _Forker:
    """The one thread every child is forked from (a daemon: it ends with the process)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="child-forker", daemon=True).start()

    def _serve(self) -> None:
        while True:
            fn, done = self._jobs.get()
            try:
                done.set_result(fn())
            except BaseException as exc:
                done.set_exception(exc)

    def run(self, fn: Callable[[], T]) -> T:
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, done))
        return done.result()


_forker: _Forker | None = None
_forker_lock = threading.Lock()


def popen_child(argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """subprocess.Popen for a child that must not outlive this process, even one killed with SIGKILL."""
    global _forker
    with _forker_lock:
        if _forker is None:
            _forker = _Forker()
        forker = _forker
    guard = _die_with(os.getpid())
    return forker.run(lambda: subprocess.Popen(argv, preexec_fn=guard, **kwargs))


class Stopped(BaseException):
    """SIGTERM or SIGHUP: unwinds like KeyboardInterrupt (Ctrl-C), through every `finally`."""


def stop_on_signals() -> None:
    """From now on SIGTERM and SIGHUP raise Stopped in the main thread, as SIGINT raises
    KeyboardInterrupt. Call it first in a runner's main thread."""

    def raise_stopped(signum: int, _frame: object) -> None:
        raise Stopped(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, raise_stopped)


@contextlib.contextmanager
def stopping_quietly() -> Iterator[None]:
    """Around a stop path: a second Ctrl-C, SIGTERM or SIGHUP must not cut it short (what it
    leaves half-stopped still dies with the runner)."""
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = {sig: signal.signal(sig, signal.SIG_IGN) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def wait_for_stop() -> None:
    """Until Ctrl-C, SIGTERM or SIGHUP (with stop_on_signals)."""
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, Stopped):
        return


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port that is free now and stays free until our process binds it. Chosen below the kernel's
    ephemeral range: a port from bind(0) is one any outbound connection (a Kafka client, an HTTP
    call) may take a moment later, and a service started on it then fails to bind (seen in CI)."""
    low, _ = _ephemeral_range()
    top = min(low, 65536) - 1
    for _ in range(200):
        port = random.randint(max(1024, top - 12000), top)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # the range is crowded: whatever the kernel gives
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.popen.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.popen.returncode}; log: {proc.log_path}\n{proc.tail()}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not become ready in {timeout:.0f}s" + (f"; log: {proc.log_path}" if proc else ""))


@dataclass
class Proc:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] = field(init=False)

    def start(self) -> Proc:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115  (kept open for the child's lifetime)
        self.popen = popen_child(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            cwd=self.cwd,
            start_new_session=True,  # so a kill reaches the whole process group
        )
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=30)

    def stop(self, grace: float = 10.0) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""
