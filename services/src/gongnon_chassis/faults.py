"""Test-only fault points: a process started with GONGNON_FAULT_POINT=name kills itself with
SIGKILL when it reaches that point, so tests can prove what survives a crash at that exact place."""

from __future__ import annotations

import os
import signal

_point = os.environ.get("GONGNON_FAULT_POINT", "")


def fault_point(name: str) -> None:
    if _point and _point == name:
        os.kill(os.getpid(), signal.SIGKILL)
