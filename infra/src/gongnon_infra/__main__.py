"""`./dev` entry point: `up` runs the whole platform on loopback with demo data; `infra` runs
only Kafka, MongoDB (SecantusDB) and Redis; `test` runs every test; `bench` runs benchmarks."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time

from gongnon_infra.cluster import Cluster
from gongnon_infra.infra import ROOT, LocalInfra, ensure_kafka_jars
from gongnon_infra.procs import Stopped, popen_child, stop_on_signals, stopping_quietly, wait_for_stop


def _step(msg: str) -> None:
    print(f"• {msg}", flush=True)


def _run(argv: list[str]) -> int:
    """A command in the foreground (ruff, mypy, pytest), gone with this runner however it ends.
    SIGTERM or SIGHUP is passed on as SIGINT, so pytest tears its cluster down; Ctrl-C reaches
    it from the terminal already."""
    child = popen_child(argv, cwd=ROOT)
    try:
        return child.wait()
    except (KeyboardInterrupt, Stopped) as exc:
        with stopping_quietly():
            if isinstance(exc, Stopped):
                child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=120)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        raise


def cmd_up(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    workdir = ROOT / ".dev"
    ensure_kafka_jars()
    infra = LocalInfra(
        workdir,
        kafka_port=int(os.environ.get("GONGNON_KAFKA_PORT", "9092")),
        kafka_scram_port=int(os.environ.get("GONGNON_KAFKA_SCRAM_PORT", "9093")),
        redis_port=int(os.environ.get("GONGNON_REDIS_PORT", "6379")),
        mongo_port=int(os.environ.get("GONGNON_MONGO_PORT", "27017")),
    )
    cluster: Cluster | None = None
    try:
        _step("starting Kafka 4.3.1 (KRaft), SecantusDB and Redis …")
        endpoints = infra.start()
        _step(f"infrastructure ready ({time.monotonic() - t0:.1f}s)")
        print(f"  {endpoints.kafka_bootstrap}  {endpoints.mongodb_uri}  {endpoints.redis_url}")
        if endpoints.kafka_scram_bootstrap:
            print(f"  Kafka for agencies (SASL_PLAINTEXT, SCRAM-SHA-512): {endpoints.kafka_scram_bootstrap}")
        cluster = Cluster(endpoints, workdir, test_mode=args.test_mode, fixed_ports=True)
        _step("starting proposal-svc, voting-svc, review-svc, notify-svc and the gateway …")
        cluster.start()
        _step(f"services ready ({time.monotonic() - t0:.1f}s)")
        if not args.no_seed:
            from gongnon_infra.demo.seed import dev_accounts_help, seed

            _step("seeding demo data through the gateway API (what is already there is kept) …")
            summary = asyncio.run(seed(cluster.gateway_url, progress=lambda line: print(line, flush=True)))
            _step(f"seeded {summary} ({time.monotonic() - t0:.1f}s)")
            print(dev_accounts_help())
        gw = cluster.gateway_url
        print(
            f"\nGongnon is up in {time.monotonic() - t0:.1f}s\n"
            f"  site        {gw}/\n"
            f"  REST API    {gw}/api  (OpenAPI: {gw}/openapi.json, docs: {gw}/docs)\n"
            f"  events      {gw}/asyncapi.json\n"
            f"  e-mail      SMTP sink 127.0.0.1:{cluster.ports['smtp-sink']}, messages in {cluster.maildir / 'new'}\n"
            f"  SMS         {cluster.sms_log}\n"
            f"  logs        {workdir / 'logs'}\n"
            "Press Ctrl-C to stop everything.",
            flush=True,
        )
        if args.exit_after_seed:
            return 0
        wait_for_stop()
        return 0
    finally:
        with stopping_quietly():
            _step("stopping …")
            if cluster:
                cluster.stop()
            infra.stop()


def cmd_infra(_: argparse.Namespace) -> int:
    infra = LocalInfra(ROOT / ".dev", kafka_port=9092, kafka_scram_port=9093, redis_port=6379, mongo_port=27017)
    try:
        endpoints = infra.start()
        print(
            f"KAFKA_BOOTSTRAP={endpoints.kafka_bootstrap}\nMONGODB_URI={endpoints.mongodb_uri}\nREDIS_URL={endpoints.redis_url}"
        )
        print(f"KAFKA_SCRAM_BOOTSTRAP={endpoints.kafka_scram_bootstrap}", flush=True)
        wait_for_stop()
        return 0
    finally:
        with stopping_quietly():
            infra.stop()


def cmd_test(args: argparse.Namespace) -> int:
    ensure_kafka_jars()
    run = _run
    if not args.no_lint:
        _step("ruff")
        if run([sys.executable, "-m", "ruff", "check", "."]) != 0:
            return 1
        _step("mypy")
        pkgs = [str(p) for p in sorted(ROOT.glob("*/src"))]
        if run([sys.executable, "-m", "mypy", *pkgs]) != 0:
            return 1
    _step("pytest (starts Kafka, SecantusDB, Redis and the services as processes)")
    code = run([sys.executable, "-m", "pytest", *args.pytest_args])
    return 0 if code == 0 else code


def cmd_bench(args: argparse.Namespace) -> int:
    from gongnon_infra.bench import run_bench

    return run_bench(args.name, args.rest)


def cmd_chaos(args: argparse.Namespace) -> int:
    from gongnon_infra.bench import run_bench

    return run_bench("chaos", args.rest)


def main() -> int:
    parser = argparse.ArgumentParser(prog="./dev")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="run the whole platform with demo data until Ctrl-C")
    up.add_argument("--no-seed", action="store_true")
    up.add_argument("--test-mode", action="store_true", help="allow moving the platform clock")
    up.add_argument("--exit-after-seed", action="store_true", help="stop once ready (smoke test)")
    up.set_defaults(fn=cmd_up)
    sub.add_parser("infra", help="run only Kafka, SecantusDB and Redis").set_defaults(fn=cmd_infra)
    test = sub.add_parser("test", help="lint, type-check and run every test")
    test.add_argument("--no-lint", action="store_true")
    test.set_defaults(fn=cmd_test)
    bench = sub.add_parser("bench", help="benchmarks: votes | spread | similar | lists | webhooks | chaos | scale")
    bench.add_argument("name")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(fn=cmd_bench)
    # Every argument after `chaos` is the bench's own (its --help lists them): "+" as the only
    # prefix keeps argparse from reading "--rate" and the like here.
    chaos = sub.add_parser("chaos", help="the fault matrix under load (bench chaos)", add_help=False, prefix_chars="+")
    chaos.add_argument("rest", nargs=argparse.REMAINDER)
    chaos.set_defaults(fn=cmd_chaos)
    # Unknown arguments of `test` go to pytest (e.g. ./dev test -k loop -x).
    args, extra = parser.parse_known_args()
    if extra and args.cmd != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra
    stop_on_signals()  # SIGTERM and SIGHUP stop everything as Ctrl-C does (procs.py)
    try:
        return int(args.fn(args))
    except (KeyboardInterrupt, Stopped):
        return 130


if __name__ == "__main__":
    sys.exit(main())
