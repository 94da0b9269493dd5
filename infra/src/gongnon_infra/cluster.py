"""The five Gongnon services as separate local processes on loopback."""

from __future__ import annotations

import json
import os
import signal
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from gongnon_infra.infra import Endpoints
from gongnon_infra.procs import Proc, free_port, port_open, wait_until


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    default_port: int


SERVICES = (
    ServiceSpec("proposal-svc", "proposal_svc", 8101),
    ServiceSpec("voting-svc", "voting_svc", 8102),
    ServiceSpec("review-svc", "review_svc", 8103),
    ServiceSpec("notify-svc", "notify_svc", 8104),
    ServiceSpec("gateway", "gongnon_gateway", 8080),
)
BACKENDS = tuple(s for s in SERVICES if s.name != "gateway")
# The local SMTP sink notify-svc sends e-mail to (gongnon_infra.smtp_sink): a managed process with
# a port, like the services; messages land as .eml files in `<workdir>/mail/new/`.
SMTP_SINK = "smtp-sink"
SMTP_SINK_DEFAULT_PORT = 8025

DEV_ADMIN_EMAIL = "admin@gongnon.local"
DEV_ADMIN_PASSWORD = "gongnon-admin-dev"

# The gateway's rate limits on people's routes (gateway/…/core/edge_settings.py), raised for a
# local cluster: every caller there is 127.0.0.1, and the test suites, the demo seed and the
# benches register, log in and propose as hundreds of people (one bench author opens 10,000
# items). Values set in the environment win; the limit tests run the real defaults in-process.
LOCAL_LIMITS = {
    "GONGNON_LIMIT_LOGIN_PER_IP": "1000000/minute",
    "GONGNON_LIMIT_REGISTER_PER_IP": "1000000/minute",
    "GONGNON_LIMIT_REGISTER_PER_EMAIL": "1000000/minute",
    "GONGNON_LIMIT_VERIFY_PER_IP": "1000000/minute",
    "GONGNON_LIMIT_VERIFY_PER_ACCOUNT": "1000000/minute",
    "GONGNON_LIMIT_ITEMS_PER_ACCOUNT": "1000000/minute",
    "GONGNON_LIMIT_COMMENTS_PER_ACCOUNT": "1000000/minute",
    "GONGNON_LIMIT_FLAGS_PER_ACCOUNT": "1000000/minute",
    # Fuzzing sends many wrong passwords to the suites' own accounts.
    "GONGNON_FAILURES_BEFORE_LOCK": "1000000",
}


def _base(name: str) -> str:
    """The service an instance belongs to: "voting-svc-2" → "voting-svc"."""
    head, _, tail = name.rpartition("-")
    return head if tail.isdigit() and head else name


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ready", timeout=2) as resp:
            return bool(resp.status == 200 and json.loads(resp.read()).get("ready"))
    except Exception:
        return False


@dataclass
class Cluster:
    endpoints: Endpoints
    workdir: Path
    test_mode: bool = False
    fixed_ports: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    # More than one instance of a service (the scale-out test and bench): "voting-svc": 2 runs
    # "voting-svc" and "voting-svc-2", each on its own port; the gateways are given every instance
    # of each backend (their upstream takes turns and passes over one that refuses).
    instances: dict[str, int] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in SERVICES:
            env_port = os.environ.get(f"{spec.module.upper()}_PORT")
            self.ports.setdefault(
                spec.name, int(env_port) if env_port else (spec.default_port if self.fixed_ports else free_port())
            )
        for spec in SERVICES:
            for name in self.instance_names(spec.name)[1:]:
                self.ports.setdefault(name, free_port())
        env_smtp = os.environ.get("GONGNON_SMTP_PORT")
        self.ports.setdefault(
            SMTP_SINK, int(env_smtp) if env_smtp else (SMTP_SINK_DEFAULT_PORT if self.fixed_ports else free_port())
        )

    @property
    def maildir(self) -> Path:
        """Where the SMTP sink stores what notify-svc sends: `new/*.eml`, one file per recipient."""
        return self.workdir / "mail"

    @property
    def sms_log(self) -> Path:
        """The development SMS provider's file: one JSON line per message."""
        return self.workdir / "sms" / "sms.jsonl"

    def instance_names(self, service: str) -> list[str]:
        return [service] + [f"{service}-{k}" for k in range(2, self.instances.get(service, 1) + 1)]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def urls(self, service: str) -> list[str]:
        return [self.url(n) for n in self.instance_names(service)]

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    def env_for(
        self, spec: ServiceSpec, overrides: dict[str, str] | None = None, instance: str | None = None
    ) -> dict[str, str]:
        env = {
            **self.endpoints.env(),
            "SERVICE_NAME": spec.name,
            "HOST": "127.0.0.1",
            "PORT": str(self.ports[instance or spec.name]),
            "GONGNON_TEST_MODE": "1" if self.test_mode else "0",
            # Loopback on a developer's machine (./dev up, tests, benches): the development actor
            # keys and identity provider may stand in where nothing is configured (docs/security.md).
            "GONGNON_DEV_MODE": "1",
            "SCHEDULER_INTERVAL_S": "0.5" if self.test_mode else "5",
            # Tests read the popular lists' order soon after supports (adapters/live_counts.py).
            "PROPOSAL_COUNT_FOLD_S": "0.5" if self.test_mode else "10",
            "OUTBOX_POLL_S": "0.2",
            "PYTHONUNBUFFERED": "1",
            "GONGNON_ADMIN_EMAIL": DEV_ADMIN_EMAIL,
            "GONGNON_ADMIN_PASSWORD": DEV_ADMIN_PASSWORD,
            # Tests and benches mint session tokens with it; only development mode accepts this one.
            "GATEWAY_SECRET": os.environ.get("GATEWAY_SECRET", "gongnon-dev-gateway-secret"),
            "GONGNON_FAULT_POINT": "",
        }
        for backend in BACKENDS:
            env[f"{backend.module.split('_')[0].upper()}_SVC_URL"] = ",".join(self.urls(backend.name))
        if spec.name == "notify-svc":
            # E-mail to the local SMTP sink, SMS to a file; links in messages point at this gateway.
            env.update(
                {
                    "NOTIFY_CHANNELS": "inapp,email,sms",
                    "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": str(self.ports[SMTP_SINK]),
                    "SMTP_FROM": "Gongnon 공론 <noreply@gongnon.local>",
                    "SMTP_TLS": "none",
                    "NOTIFY_SMS_FILE": str(self.sms_log),
                    "NOTIFY_SITE_URL": self.gateway_url,
                    # Retries of a failed send come within seconds in tests (production: minutes).
                    "NOTIFY_SEND_POLL_S": "0.2" if self.test_mode else "1",
                }
            )
        env.update({k: v for k, v in LOCAL_LIMITS.items() if k not in os.environ})
        env.update(self.extra_env)
        env.update(overrides or {})
        return env

    def start(self, only: list[str] | None = None, skip: list[str] | None = None) -> None:
        """Every instance of the services (or `only` those), but those in `skip` (declared to the
        gateways, started later)."""
        specs = [s for s in SERVICES if only is None or s.name in only]
        if only is None or SMTP_SINK in only or "notify-svc" in only:
            self.start_smtp_sink()
        names = [n for spec in specs for n in self.instance_names(spec.name) if n not in (skip or [])]
        for name in names:
            self.start_service(name, wait=False)
        for name in names:
            self.wait_ready(name)

    def start_service(self, name: str, overrides: dict[str, str] | None = None, wait: bool = True) -> Proc:
        spec = next(s for s in SERVICES if s.name == _base(name))
        proc = Proc(
            name,
            [sys.executable, "-m", spec.module],
            self.workdir / "logs" / f"{name}.log",
            env=self.env_for(spec, overrides, instance=name),
        ).start()
        self.procs[name] = proc
        if wait:
            self.wait_ready(name)
        return proc

    def start_smtp_sink(self) -> Proc:
        if SMTP_SINK in self.procs and self.procs[SMTP_SINK].alive():
            return self.procs[SMTP_SINK]
        port = self.ports[SMTP_SINK]
        argv = [sys.executable, "-m", "gongnon_infra.smtp_sink", "--port", str(port), "--maildir", str(self.maildir)]
        proc = Proc(SMTP_SINK, argv, self.workdir / "logs" / f"{SMTP_SINK}.log").start()
        self.procs[SMTP_SINK] = proc
        wait_until(lambda: port_open(port), 30, SMTP_SINK, proc)
        return proc

    def wait_ready(self, name: str, timeout: float = 120) -> None:
        url = self.url(name)
        wait_until(lambda: _ready(url), timeout, name, self.procs.get(name))

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        self.procs[name].kill(sig)

    def restart(self, name: str, overrides: dict[str, str] | None = None) -> None:
        if name in self.procs:
            self.procs[name].stop()
        self.start_service(name, overrides)

    def stop(self) -> None:
        # The gateway first, so nothing new comes in while the backends drain.
        for spec in reversed(SERVICES):
            for name in [n for n in self.procs if _base(n) == spec.name]:
                self.procs[name].stop()
        if SMTP_SINK in self.procs:
            self.procs[SMTP_SINK].stop()

    def logs(self, name: str, lines: int = 40) -> str:
        return self.procs[name].tail(lines) if name in self.procs else ""
