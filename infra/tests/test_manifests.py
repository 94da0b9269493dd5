"""The deployment files, checked as CI can without a cluster or a Docker engine (issue 16):

- the Helm chart (infra/helm/gongnon) renders, and every manifest it renders is valid against the
  Kubernetes 1.34 schemas and the CRD schemas of Strimzi 1.2 and the MongoDB Community operator,
  by kubeconform in strict mode (unknown fields, duplicate keys and kinds without a schema fail);
- what the chart must hold for production (no fixed replicas under an HPA, probes, non-root
  read-only containers, secrets only where they belong, Kafka topics replicated 3 / min ISR 2, …);
- the Dockerfile by hadolint and by its stage rules; compose's healthchecks, volumes and secrets.

The tools are pinned and installed by gongnon_infra.manifest_tools (./dev test does it first)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gongnon_contracts import Topic
from gongnon_infra import manifest_tools
from gongnon_infra.infra import ROOT

CHART = ROOT / "infra" / "helm" / "gongnon"
CI_VALUES = CHART / "ci" / "validate-values.yaml"
DOCKERFILE = ROOT / "infra" / "docker" / "Dockerfile"
COMPOSE = ROOT / "infra" / "compose.yaml"
SERVICES = ["gateway", "proposal-svc", "voting-svc", "review-svc", "notify-svc"]


@pytest.fixture(scope="module")
def tools() -> manifest_tools.Tools:
    return manifest_tools.ensure()


def helm_template(tools: manifest_tools.Tools, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [str(tools.helm), "template", "gongnon", str(CHART), "--namespace", "gongnon", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def render(tools: manifest_tools.Tools, *args: str) -> str:
    proc = helm_template(tools, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def kubeconform(tools: manifest_tools.Tools, manifests: str) -> tuple[int, str]:
    argv = [str(tools.kubeconform), "-strict", "-summary", "-output", "text"]
    for location in tools.schema_locations():
        argv += ["-schema-location", location]
    proc = subprocess.run([*argv, "-"], input=manifests, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def summary_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("Summary:"))


def documents(manifests: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(manifests) if d]


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


@pytest.fixture(scope="module")
def rendered(tools: manifest_tools.Tools) -> str:
    return render(tools, "-f", str(CI_VALUES))


def test_the_chart_lints(tools: manifest_tools.Tools) -> None:
    proc = subprocess.run(
        [str(tools.helm), "lint", "--strict", str(CHART), "-f", str(CI_VALUES)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("values", ["ci", "defaults"])
def test_every_rendered_manifest_is_valid(tools: manifest_tools.Tools, values: str) -> None:
    args = ["-f", str(CI_VALUES)] if values == "ci" else ["--set", "gateway.identityProvider=adapter.mod:factory"]
    manifests = render(tools, *args)
    code, output = kubeconform(tools, manifests)
    line = summary_line(output)
    print(f"kubeconform ({values} values): {line}")
    assert code == 0, output
    count = len(documents(manifests))
    assert f"{count} resources found" in line
    assert f"Valid: {count}, Invalid: 0, Errors: 0, Skipped: 0" in line


def test_kubeconform_refuses_unknown_fields_and_kinds(tools: manifest_tools.Tools) -> None:
    # The check itself: strict CRD schemas (a misspelt field), and a kind without a schema, fail.
    bad = """
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata: {name: t, labels: {strimzi.io/cluster: gongnon}}
spec: {topicName: t, partitions: 3, replicas: 3, replication: 3}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec: {containers: [{name: c, image: i, readOnlyRootFs: true}]}
---
apiVersion: example.org/v1
kind: Unknown
metadata: {name: x}
"""
    code, output = kubeconform(tools, bad)
    assert code != 0
    assert "Valid: 0, Invalid: 2, Errors: 1" in summary_line(output), output


def test_values_that_must_be_set(tools: manifest_tools.Tools) -> None:
    no_identity = helm_template(tools)
    assert no_identity.returncode != 0
    assert "gateway.identityProvider is required" in no_identity.stderr
    latest = helm_template(tools, "-f", str(CI_VALUES), "--set", "image.tag=latest")
    assert latest.returncode != 0
    assert "not latest" in latest.stderr
    no_secret = helm_template(tools, "-f", str(CI_VALUES), "--set", "secrets.actorSigningKey=")
    assert no_secret.returncode != 0
    assert "secrets.actorSigningKey is required" in no_secret.stderr


def test_services_scale_by_hpa_and_survive_disruptions(rendered: str) -> None:
    docs = documents(rendered)
    deployments, hpas, pdbs = (
        by_kind(docs, "Deployment"),
        by_kind(docs, "HorizontalPodAutoscaler"),
        by_kind(docs, "PodDisruptionBudget"),
    )
    assert sorted(deployments) == sorted(SERVICES)
    for name, d in deployments.items():
        assert "replicas" not in d["spec"], f"{name}: a fixed replicas fights the HPA"
        assert hpas[name]["spec"]["scaleTargetRef"]["name"] == name
        assert hpas[name]["spec"]["minReplicas"] >= 2
        assert name in pdbs


def test_containers_are_locked_down_and_probed(rendered: str) -> None:
    docs = documents(rendered)
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"] for d in docs if d["kind"] in ("Deployment", "StatefulSet")
    }
    for name, pod in pods.items():
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["automountServiceAccountToken"] is False, name
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, name
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(c), name
            assert not c["image"].endswith(":latest"), name
    proposal = pods["proposal-svc"]["containers"][0]["startupProbe"]
    # The corpus analysis before /health: at least 15 minutes before the kubelet gives up.
    assert proposal["periodSeconds"] * proposal["failureThreshold"] >= 900
    assert pods["voting-svc"]["containers"][0]["image"].count("@sha256:") == 1  # a digest wins


def env_of(pod: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e for e in pod["containers"][0]["env"]}


def test_secrets_reach_only_who_needs_them(rendered: str) -> None:
    docs = documents(rendered)
    deployments = by_kind(docs, "Deployment")
    for name, d in deployments.items():
        pod = d["spec"]["template"]["spec"]
        refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in pod["containers"][0]["env"] if "valueFrom" in e} | {
            s["secretRef"]["name"] for s in pod["containers"][0]["envFrom"] if "secretRef" in s
        }
        env = env_of(pod)
        if name == "gateway":
            assert "gongnon-gateway" in refs
            assert env["GATEWAY_ACTOR_SIGNING_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "gongnon-gateway"
            assert env["GONGNON_TRUSTED_PROXIES"]["value"]
            assert env["GONGNON_PUBLIC_INTERNALS"]["value"] == "0"
        else:
            assert "gongnon-gateway" not in refs, f"{name} must not see the gateway's signing key"
            assert env["GONGNON_ACTOR_PUBLIC_KEYS"]["valueFrom"]["secretKeyRef"]["name"] == "gongnon-actor-keys"
    secrets = by_kind(docs, "Secret")
    assert set(secrets["gongnon-gateway"]["stringData"]) == {
        "GATEWAY_SECRET",
        "GATEWAY_ACTOR_SIGNING_KEY",
        "GONGNON_ADMIN_PASSWORD",
    }
    # The Redis URL carries the password quoted for a URL.
    assert secrets["gongnon-redis"]["stringData"]["url"].startswith("redis://:placeholder%2Fwith%3Aodd%40chars@")


def test_metrics_are_scraped_off_the_public_port(rendered: str) -> None:
    docs = documents(rendered)
    config = by_kind(docs, "ConfigMap")["gongnon-config"]["data"]
    assert config["GONGNON_METRICS_PORT"] != config["PORT"]
    for name, d in by_kind(docs, "Deployment").items():
        annotations = d["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == config["GONGNON_METRICS_PORT"], name


def test_kafka_is_kraft_replicated_and_every_topic_declared(rendered: str) -> None:
    docs = documents(rendered)
    pools = by_kind(docs, "KafkaNodePool")
    assert pools["controllers"]["spec"]["roles"] == ["controller"]
    assert pools["brokers"]["spec"]["roles"] == ["broker"]
    assert pools["brokers"]["spec"]["replicas"] >= 3
    kafka = by_kind(docs, "Kafka")["gongnon"]["spec"]["kafka"]
    assert kafka["config"]["min.insync.replicas"] == 2
    topics = {t["spec"]["topicName"]: t["spec"] for t in by_kind(docs, "KafkaTopic").values()}
    assert sorted(topics) == sorted(Topic.all()), "every topic the code uses, and no other"
    for name, spec in topics.items():
        assert spec["replicas"] == 3, name
        assert spec["config"]["min.insync.replicas"] == 2, name
        assert spec["partitions"] >= 3, name
    config = by_kind(docs, "ConfigMap")["gongnon-config"]["data"]
    # The services create missing topics with the same layout.
    assert (config["KAFKA_TOPIC_REPLICATION_FACTOR"], config["KAFKA_TOPIC_MIN_INSYNC_REPLICAS"]) == ("3", "2")
    by_topic = dict(part.split("=") for part in config["KAFKA_TOPIC_PARTITIONS_BY_TOPIC"].split(","))
    assert {t: int(n) for t, n in by_topic.items()} == {t: s["partitions"] for t, s in topics.items()}
    users = by_kind(docs, "KafkaUser")
    assert {f"gongnon-{s}" for s in SERVICES} | {"agency-gangnam-foundation"} == set(users)
    agency = users["agency-gangnam-foundation"]["spec"]["authorization"]["acls"]
    assert {(a["resource"]["type"], a["resource"].get("name")) for a in agency} == {
        ("topic", "gongnon.public"),
        ("group", "agency-gangnam-foundation."),
    }


def test_network_policies_fence_services_and_stores(rendered: str) -> None:
    docs = documents(rendered)
    policies = by_kind(docs, "NetworkPolicy")
    assert policies["gongnon-default-deny"]["spec"]["policyTypes"] == ["Ingress"]
    for name in SERVICES[1:]:
        (rule,) = policies[f"{name}-from-gateway"]["spec"]["ingress"]
        assert rule["from"] == [
            {
                "podSelector": {
                    "matchLabels": {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/instance": "gongnon"}
                }
            }
        ]
    backend = {"podSelector": {"matchLabels": {"gongnon.io/backend-client": "true"}}}
    assert policies["redis-from-services"]["spec"]["ingress"][0]["from"] == [backend]
    assert backend in policies["mongodb-from-services"]["spec"]["ingress"][0]["from"]
    listeners = by_kind(docs, "Kafka")["gongnon"]["spec"]["kafka"]["listeners"]
    for listener in listeners:
        if listener["type"] == "internal":
            assert listener["networkPolicyPeers"] == [backend], listener["name"]
    ingress = by_kind(docs, "Ingress")["gateway"]["spec"]
    assert ingress["tls"][0]["secretName"]
    assert ingress["tls"][0]["hosts"] == [ingress["rules"][0]["host"]]


def test_redis_is_one_persistent_primary(rendered: str) -> None:
    redis = by_kind(documents(rendered), "StatefulSet")["gongnon-redis"]
    assert redis["spec"]["replicas"] == 1  # the client is a plain redis:// URL, not cluster-aware
    args = " ".join(redis["spec"]["template"]["spec"]["containers"][0]["args"])
    assert "--appendonly yes" in args
    assert "--appendfsync everysec" in args
    assert redis["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"


def test_the_dockerfile_passes_hadolint(tools: manifest_tools.Tools) -> None:
    proc = subprocess.run([str(tools.hadolint), "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_dockerfile_caches_dependencies_and_ships_no_dev_packages() -> None:
    text = DOCKERFILE.read_text()
    lines = [
        line.strip() for line in re.sub(r"\\\n\s*", " ", text).splitlines() if line.strip() and not line.startswith("#")
    ]
    assert sum(line.startswith("FROM ") for line in lines) >= 3, "multi-stage"
    syncs = [i for i, line in enumerate(lines) if "uv sync" in line]
    first_source = next(i for i, line in enumerate(lines) if re.match(r"COPY \S+/src ", line))
    assert len(syncs) == 2
    assert syncs[0] < first_source < syncs[1], "dependencies before the code"
    for i in syncs:
        assert all(flag in lines[i] for flag in ("--frozen", "--no-dev", '--package "${PACKAGE}"')), lines[i]
    assert "--no-install-workspace" in lines[syncs[0]]
    assert not re.search(r"secantus|infra/src|pytest|testcontainers", text.split("FROM ${PYTHON_IMAGE} AS runtime")[1])
    assert "COPY infra/src" not in text
    runtime = text.split("AS runtime")[1]
    assert "USER 10001" in runtime
    assert "COPY --from=uv" not in runtime
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"tests", "**/tests", "**/.venv", ".dev", "bench-results", "infra/src"} <= ignored


def test_compose_waits_for_healthy_stores_and_has_no_default_secrets() -> None:
    text = COMPOSE.read_text()
    compose = yaml.safe_load(text)
    services = compose["services"]
    for name in ["kafka", "mongo", "redis", *SERVICES]:
        assert "healthcheck" in services[name], name
    assert "isWritablePrimary" in " ".join(services["mongo"]["healthcheck"]["test"])
    assert {"kafka-data", "mongo-data", "redis-data"} <= set(compose["volumes"])
    for name in SERVICES:
        assert services[name]["depends_on"]["mongo"] == {"condition": "service_healthy"}, name
    for var in ["GATEWAY_SECRET", "GATEWAY_ACTOR_SIGNING_KEY", "GONGNON_ACTOR_PUBLIC_KEYS", "GONGNON_ADMIN_PASSWORD"]:
        assert re.search(r"\$\{" + var + r":\?", text), f"{var} must be required, not defaulted"
        assert not re.search(r"\$\{" + var + r":-", text), var


def test_the_strict_conversion_of_a_crd_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "port": {"x-kubernetes-int-or-string": True},
                    "note": {"type": "string", "nullable": True},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
                    "properties": {"type": "object", "properties": {"x": {"type": "string"}}},
                },
            }
        },
    }
    out = manifest_tools.strict_schema(schema)
    spec = out["properties"]["spec"]
    assert out["additionalProperties"] is False
    assert spec["additionalProperties"] is False
    assert spec["properties"]["port"]["type"] == ["integer", "string"]
    assert spec["properties"]["note"]["type"] == ["string", "null"]
    assert "additionalProperties" not in spec["properties"]["free"]
    # A field named "properties" is a field, not a keyword.
    assert spec["properties"]["properties"]["additionalProperties"] is False
    assert set(spec["properties"]) == {"port", "note", "free", "properties"}


def test_the_tools_are_pinned() -> None:
    assert all("@v" in spec for spec in manifest_tools.GO_TOOLS.values())
    for requirements in (manifest_tools.PYPI_TOOLS, manifest_tools.PYPI_JDK):
        entries = [line for line in requirements.read_text().splitlines() if line and not line.startswith(("#", " "))]
        assert entries
        assert all("==" in line for line in entries)
        assert requirements.read_text().count("--hash=sha256:") == len(entries)
    pom = (manifest_tools.PINS_DIR / "strimzi-crds" / "pom.xml").read_text()
    assert f"<strimzi.version>{manifest_tools.STRIMZI_VERSION}</strimzi.version>" in pom
    assert Path(manifest_tools.TOOLS_DIR).is_relative_to(ROOT / ".dev")
