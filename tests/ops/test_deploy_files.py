"""The files in deploy/ pass real linters (hadolint, the Compose specification's schema, the Kubernetes OpenAPI
schemas through kubernetes-validate), and the linters are not no-ops: a broken file fails them."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as kv

from cadence.codec import KEYS_ENV
from cadence.config import ENV_VARS, SECRETS, ConfigError, Settings, load_settings
from tests.conftest import binary

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary("hadolint"), "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def _compose_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                           str(path)], capture_output=True, text=True, timeout=120)


def test_the_dockerfile_passes_hadolint_and_runs_unprivileged_with_a_healthcheck(tmp_path: Path) -> None:
    checked = _hadolint(DEPLOY / "Dockerfile")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = (DEPLOY / "Dockerfile").read_text()
    assert "\nUSER 10001\n" in text and "\nHEALTHCHECK " in text and "python:3.11-slim" in text
    sloppy = tmp_path / "Dockerfile"
    sloppy.write_text("FROM python\nRUN apt-get update && apt-get install -y curl\nCMD cadence worker\n")
    assert _hadolint(sloppy).returncode != 0  # untagged image, unpinned apt, shell-form CMD


def test_the_compose_file_matches_the_compose_specification_and_holds_no_secrets(tmp_path: Path) -> None:
    checked = _compose_check(DEPLOY / "compose.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"postgresql", "temporal", "temporal-ui", "worker", "gateway"} <= set(compose["services"])
    for service in compose["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if any(word in name for word in ("PASSWORD", "SECRET", "TOKEN", "PWD")):
                assert str(value).startswith("${"), f"{name} holds a literal value"
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  worker:\n    image: cadence\n    replicas: lots\n")
    assert _compose_check(broken).returncode != 0


# ---------------------------------------------------------------------------------------------------------------
# deploy/kubernetes/. The core resources are validated strictly (unknown fields rejected) against the Kubernetes
# OpenAPI schemas that the PyPI package kubernetes-validate ships, offline. KEDA's ScaledObject is a custom resource
# it has no schema for (its CLI only warns about such a kind and exits 0), so that one is checked against the fields
# KEDA documents (_scaledobject_problems). Then rules check what no schema sees: names, labels, ports and variables
# that must agree across the files, the Dockerfile and cadence's own settings. Manifests are read with PyYAML's
# YAML 1.1 loader on purpose: kubectl's YAML library reads `on`, `yes` and `0440` the same way.

K8S = DEPLOY / "kubernetes"
K8S_VERSIONS = ("1.30", "1.37")
"""The oldest Kubernetes the manifests claim, and the newest that kubernetes-validate 1.37 has schemas for."""
SECRET_NAME = "cadence-secrets"
CONFIGMAP_NAME = "cadence"
REQUIRED_SECRETS = frozenset({"CADENCE_UNSUBSCRIBE_SECRET", "CADENCE_WORKSPACE_SECRET"})
"""Without these a pod must not start: forgeable unsubscribe links; sign-ins only one gateway replica accepts."""
# benchmarks/README.md, figure 4 (worker cache 1000): 215 KiB RSS per cached lead, and 367 MiB RSS with 10,000 leads
# in flight, of which the cache is 1000 x 215 KiB = 210 MiB: the rest, about 157 MiB, is the process's base.
KIB_PER_CACHED_LEAD = 215
WORKER_BASE_MIB = 157

Resource = dict[str, Any]


def _documents(path: Path) -> list[Resource]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _core(directory: Path) -> list[tuple[str, Resource]]:
    """``(file name, resource)`` of the core resources: the YAML files directly in ``directory``."""
    return [(path.name, doc) for path in sorted(directory.glob("*.yaml")) for doc in _documents(path)]


def _custom(directory: Path) -> list[tuple[str, Resource]]:
    """KEDA's resources, in ``keda/`` so that ``kubectl apply -f deploy/kubernetes/`` works without KEDA."""
    return [(f"keda/{path.name}", doc)
            for path in sorted((directory / "keda").glob("*.yaml")) for doc in _documents(path)]


def _where(name: str, doc: Resource) -> str:
    return f"{name}: {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def _schema_problems(directory: Path, version: str) -> list[str]:
    """Every core resource against Kubernetes ``version``'s schema, strictly."""
    problems: list[str] = []
    for name, doc in _core(directory):
        try:
            kv.validate(doc, version, strict=True)
        except kv.ValidationError as exc:
            problems.append(f"{_where(name, doc)}: {'.'.join(map(str, exc.path)) or '(top)'}: {exc.message}")
        except kv.SchemaNotFoundError as exc:  # a CRD among the core files, or a misspelt kind or apiVersion
            problems.append(f"{_where(name, doc)}: {exc.message}")
    return problems


def _known_env() -> tuple[frozenset[str], frozenset[str]]:
    """(every variable cadence reads, the secret ones): ``cadence.config.ENV_VARS`` plus the codec's key ring."""
    return frozenset(ENV_VARS.values()) | {KEYS_ENV}, frozenset(ENV_VARS[name] for name in SECRETS) | {KEYS_ENV}


def _mebibytes(quantity: str | int) -> float:
    text = str(quantity)
    units = {"Ki": 1 / 1024, "Mi": 1.0, "Gi": 1024.0, "k": 1e3 / 2**20, "M": 1e6 / 2**20, "G": 1e9 / 2**20}
    for suffix, factor in units.items():
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return int(text[: -len(suffix)]) * factor
    if text.isdigit():
        return int(text) / 2**20
    raise ValueError(f"memory quantity {text!r} is not one this test reads (like 384Mi)")


@dataclass(frozen=True)
class _Dockerfile:
    uid: int
    """Its ``USER``."""
    health_port: int
    """The port of its ``HEALTHCHECK`` URL."""
    health_path: str
    """The path of its ``HEALTHCHECK`` URL."""
    state_dir: str
    """Its ``CADENCE_STATE_DIR``."""


def _dockerfile() -> _Dockerfile:
    text = (DEPLOY / "Dockerfile").read_text()
    uid = re.search(r"^USER (\d+)$", text, re.MULTILINE)
    check = re.search(r"urlopen\('http://127\.0\.0\.1:(\d+)(/[^']*)'", text)
    state = re.search(r"CADENCE_STATE_DIR=(\S+)", text)
    assert uid and check and state, "the Dockerfile no longer has USER, the healthcheck URL or CADENCE_STATE_DIR"
    return _Dockerfile(int(uid.group(1)), int(check.group(1)), check.group(2), state.group(1))


def _settings_of(env: dict[str, str]) -> Settings:
    """What cadence makes of an environment, with its own parser (an unusable value raises ConfigError)."""
    with tempfile.TemporaryDirectory() as empty, contextlib.chdir(empty):  # no ./cadence.toml gets in
        return load_settings(environ=env)


@dataclass
class _Manifests:
    """The resources of one directory, by kind and name."""

    kinds: dict[str, dict[str, Resource]]

    @classmethod
    def load(cls, directory: Path) -> _Manifests:
        kinds: dict[str, dict[str, Resource]] = {}
        for _, doc in _core(directory) + _custom(directory):
            kinds.setdefault(doc.get("kind", ""), {})[(doc.get("metadata") or {}).get("name", "")] = doc
        return cls(kinds)

    @property
    def config(self) -> dict[str, str]:
        return dict((self.kinds.get("ConfigMap", {}).get(CONFIGMAP_NAME) or {}).get("data") or {})

    @property
    def deployments(self) -> dict[str, Resource]:
        return self.kinds.get("Deployment", {})

    def selected(self, selector: dict[str, str]) -> list[str]:
        """The Deployments whose pods carry every label of ``selector``."""
        return [name for name, dep in self.deployments.items()
                if selector.items() <= dep["spec"]["template"]["metadata"].get("labels", {}).items()]

    def env(self, container: Resource) -> dict[str, str]:
        """The container's environment without its secrets: the ConfigMap, then literal values."""
        env = self.config if any("configMapRef" in source for source in container.get("envFrom", [])) else {}
        return env | {var["name"]: str(var["value"]) for var in container.get("env", []) if "value" in var}

    def containers(self) -> list[tuple[str, Resource, Resource]]:
        """``(where, pod spec, container)`` of every Deployment's containers."""
        pods = {name: dep["spec"]["template"]["spec"] for name, dep in self.deployments.items()}
        return [(f"Deployment {name} container {container['name']}", pod, container)
                for name, pod in pods.items() for container in pod["containers"]]


def _config_rule(m: _Manifests) -> Iterator[str]:
    """The ConfigMap holds variables cadence reads and no secret; no Secret is in the files at all."""
    known, secret_vars = _known_env()
    if "Secret" in m.kinds:
        yield f"Secret {sorted(m.kinds['Secret'])} in the files: the operator creates it, values never go in files"
    if CONFIGMAP_NAME not in m.kinds.get("ConfigMap", {}):
        yield f"no ConfigMap {CONFIGMAP_NAME}"
    for key in sorted(set(m.config) - known):
        yield f"ConfigMap {CONFIGMAP_NAME}: {key} is not a variable cadence reads (`cadence config` lists them)"
    for key in sorted(set(m.config) & secret_vars):
        yield f"ConfigMap {CONFIGMAP_NAME}: {key} is a secret: it belongs in the Secret {SECRET_NAME}"


def _selector_rule(m: _Manifests) -> Iterator[str]:
    """Deployments select their own pods; each Service and budget selects one Deployment's, by named ports."""
    for name, dep in m.deployments.items():
        if not dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items():
            yield f"Deployment {name}: its selector does not match its own pod labels"
    for name, pdb in m.kinds.get("PodDisruptionBudget", {}).items():
        targets = m.selected(pdb["spec"]["selector"].get("matchLabels", {}))
        if len(targets) != 1:
            yield f"PodDisruptionBudget {name} covers {targets or 'no Deployment'}, not exactly one Deployment"
    for name, svc in m.kinds.get("Service", {}).items():
        targets = m.selected(svc["spec"].get("selector") or {})
        if len(targets) != 1:
            yield f"Service {name} selects the pods of {targets or 'no Deployment'}, not exactly one Deployment"
            continue
        pod = m.deployments[targets[0]]["spec"]["template"]["spec"]
        named = {p.get("name"): p["containerPort"] for c in pod["containers"] for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort")
            if target not in named:
                yield (f"Service {name} port {port.get('name')}: targetPort {target!r} is not a named port of "
                       f"{targets[0]} ({', '.join(sorted(named))})")
            elif port.get("name") != target or port["port"] != named[target]:
                yield f"Service {name} port {port.get('name')}: name and number should be the container's ({target})"


def _service_link_vars(m: _Manifests) -> set[str]:
    """The variables Kubernetes sets in pods for the Services of the namespace (unless enableServiceLinks: false)."""
    found: set[str] = set()
    for name, svc in m.kinds.get("Service", {}).items():
        prefix = name.upper().replace("-", "_")
        found |= {f"{prefix}_SERVICE_HOST", f"{prefix}_SERVICE_PORT", f"{prefix}_PORT"}
        for port in svc["spec"]["ports"]:
            found |= {f"{prefix}_SERVICE_PORT_{str(port.get('name', '')).upper().replace('-', '_')}",
                      f"{prefix}_PORT_{port['port']}_{port.get('protocol', 'TCP')}"}
    return found


def _pod_rule(m: _Manifests) -> Iterator[str]:
    """Non-root as the Dockerfile's user, locked down, one tagged image, no Service variables colliding."""
    docker = _dockerfile()
    known, _ = _known_env()
    leaked = sorted(_service_link_vars(m) & known)
    images: set[str] = set()
    for name, dep in m.deployments.items():
        pod = dep["spec"]["template"]["spec"]
        if leaked and pod.get("enableServiceLinks") is not False:
            yield f"Deployment {name}: Kubernetes would set {leaked} from the Services: enableServiceLinks: false"
        context = pod.get("securityContext", {})
        if context.get("runAsUser") != docker.uid or context.get("runAsNonRoot") is not True:
            yield f"Deployment {name}: runAsUser should be the Dockerfile's uid {docker.uid}, with runAsNonRoot: true"
    for where, pod, container in m.containers():
        images.add(container["image"])
        sc = container.get("securityContext", {})
        if (sc.get("allowPrivilegeEscalation") is not False or sc.get("readOnlyRootFilesystem") is not True
                or sc.get("capabilities", {}).get("drop") != ["ALL"]):
            yield f"{where}: no privilege escalation, a read-only root filesystem, every capability dropped"
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        mounts = {mount["mountPath"]: volumes.get(mount["name"], {}) for mount in container.get("volumeMounts", [])}
        for path in (docker.state_dir, "/tmp"):
            if "emptyDir" not in mounts.get(path, {}):
                yield f"{where}: {path} must be a writable emptyDir (the root filesystem is read-only)"
    if len(images) != 1 or any(i.endswith(":latest") or ":" not in i.rpartition("/")[2] for i in images):
        yield f"images {sorted(images)}: one image (deploy/Dockerfile) for both roles, with a tag, not latest"


def _env_rule(m: _Manifests) -> Iterator[str]:
    """Variables cadence reads; every secret one from the Secret, under its own name; all of them somewhere."""
    known, secret_vars = _known_env()
    seen: set[str] = set()
    for where, _, container in m.containers():
        for source in container.get("envFrom", []):
            if (source.get("configMapRef") or {}).get("name") != CONFIGMAP_NAME:
                yield f"{where}: envFrom only from the ConfigMap {CONFIGMAP_NAME}; secrets one by one"
        for var in container.get("env", []):
            name, ref = var["name"], (var.get("valueFrom") or {}).get("secretKeyRef")
            if name not in known:
                yield f"{where}: {name} is not a variable cadence reads"
            if name not in secret_vars:
                if ref is not None:
                    yield f"{where}: {name} comes from a Secret but cadence does not treat it as one"
                continue
            seen.add(name)
            if ref is None or ref.get("name") != SECRET_NAME or ref.get("key") != name:
                yield f"{where}: {name} must come from the Secret {SECRET_NAME}, key {name}"
            elif name in REQUIRED_SECRETS and ref.get("optional"):
                yield f"{where}: {name} is required: not optional"
    for name in sorted(secret_vars - seen):
        yield f"{name} reaches no container: every secret cadence reads must come from the Secret {SECRET_NAME}"


def _role_rule(m: _Manifests) -> Iterator[str]:
    """Each container's settings (cadence's parser) agree with its ports, probes, volumes and memory."""
    docker = _dockerfile()
    for where, _, container in m.containers():
        try:
            settings = _settings_of(m.env(container))
        except ConfigError as exc:  # cadence would refuse to start with these values
            yield f"{where}: cadence refuses its settings: {exc}"
            continue
        args = container.get("args", [""])
        metrics = int(settings.metrics_address.rpartition(":")[2]) if settings.metrics_address else None
        ports = {"metrics": metrics}
        if args[0] == "gateway":
            ports |= {"http": settings.gateway_port, "smtp": settings.gateway_smtp_port}
            probe = ("/healthz", "http")
            if args[1:3] != ["--host", "0.0.0.0"]:
                yield f"{where}: the gateway listens on 127.0.0.1 unless told --host 0.0.0.0"
            mounted = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
            if str(settings.users_file.parent) not in mounted:
                yield f"{where}: the users file {settings.users_file} is on no mounted volume"
        elif args[0] == "worker":
            probe = (docker.health_path, "metrics")
            if args[1:3] != ["--processes", "1"]:
                yield f"{where}: one worker process per pod (--processes 1): pods are what scales"
            if metrics != docker.health_port:
                yield f"{where}: metrics on {metrics}, the Dockerfile's healthcheck on {docker.health_port}"
            yield from _worker_memory(where, container, settings.worker_cache)
        else:
            yield f"{where}: runs {args[0]!r}, neither worker nor gateway"
            continue
        declared = {port.get("name"): port["containerPort"] for port in container.get("ports", [])}
        if declared != ports:
            yield f"{where}: ports {declared}, but its settings say {ports}"
        if str(settings.state_dir) != docker.state_dir:
            yield f"{where}: CADENCE_STATE_DIR {settings.state_dir} is not the image's {docker.state_dir}"
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            get = container.get(kind, {}).get("httpGet", {})
            if (get.get("path"), get.get("port")) != probe:
                yield f"{where}: {kind} should GET {probe[0]} on the port named {probe[1]}"


def _worker_memory(where: str, container: Resource, cache: int) -> Iterator[str]:
    resources = container.get("resources", {})
    try:
        request = _mebibytes(resources["requests"]["memory"])
        limit = _mebibytes(resources["limits"]["memory"])
    except (KeyError, ValueError) as exc:
        yield f"{where}: memory requests and limits: {exc}"
        return
    needed = WORKER_BASE_MIB + cache * KIB_PER_CACHED_LEAD / 1024
    if request < needed or limit < request:
        yield (f"{where}: memory request {request:.0f} MiB is below the measured {WORKER_BASE_MIB} MiB + {cache} "
               f"cached leads x {KIB_PER_CACHED_LEAD} KiB = {needed:.0f} MiB, or the limit is below the request")


def _scaling_rule(m: _Manifests) -> Iterator[str]:
    """The ScaledObject scales the worker Deployment, by the queue its workers poll; its HPA behaviour is valid."""
    for name, scaled in m.kinds.get("ScaledObject", {}).items():
        ref = scaled["spec"].get("scaleTargetRef", {})
        target = m.deployments.get(ref.get("name", ""))
        if target is None or (ref.get("apiVersion", "apps/v1"), ref.get("kind", "Deployment")) != ("apps/v1",
                                                                                                   "Deployment"):
            yield f"ScaledObject {name} scales {ref}, not a Deployment of these files ({', '.join(m.deployments)})"
            continue
        containers = {c["name"]: c for c in target["spec"]["template"]["spec"]["containers"]}
        container = containers.get(ref.get("envSourceContainerName", next(iter(containers))))
        if container is None:
            yield f"ScaledObject {name}: envSourceContainerName is not a container of {ref['name']}"
            continue
        env = m.env(container)
        try:
            settings = _settings_of(env)
        except ConfigError:  # reported by _role_rule
            continue
        for trigger in scaled["spec"].get("triggers", []):
            meta = trigger.get("metadata", {})
            if "endpointFromEnv" in meta and meta["endpointFromEnv"] not in env:
                yield f"ScaledObject {name}: endpointFromEnv {meta['endpointFromEnv']} is not set in {ref['name']}"
            watched, polled = f"{meta.get('namespace', 'default')}/{meta.get('taskQueue')}", \
                f"{settings.namespace}/{settings.task_queue}"
            if watched != polled:
                yield f"ScaledObject {name} watches {watched}, the workers poll {polled}"
        behavior = ((scaled["spec"].get("advanced") or {}).get("horizontalPodAutoscalerConfig") or {}).get("behavior")
        if behavior is None:
            continue
        # KEDA copies it into the HorizontalPodAutoscaler it makes: a core type, so the core schema applies.
        hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": f"keda-hpa-{name}"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ref["name"]},
                        "minReplicas": scaled["spec"].get("minReplicaCount", 1),
                        "maxReplicas": scaled["spec"].get("maxReplicaCount", 100), "behavior": behavior}}
        for version in K8S_VERSIONS:
            try:
                kv.validate(hpa, version, strict=True)
            except kv.ValidationError as exc:
                yield (f"ScaledObject {name}: advanced.horizontalPodAutoscalerConfig.behavior."
                       f"{'.'.join(map(str, list(exc.path)[2:]))}: {exc.message} (Kubernetes {version})")


RULES: tuple[Callable[[_Manifests], Iterator[str]], ...] = (
    _config_rule, _selector_rule, _pod_rule, _env_rule, _role_rule, _scaling_rule)


def _reference_problems(directory: Path) -> list[str]:
    manifests = _Manifests.load(directory)
    return [problem for rule in RULES for problem in rule(manifests)]


# KEDA's ScaledObject, from its documentation (no schema for it offline). Fields as listed on
# https://keda.sh/docs/2.22/reference/scaledobject-spec/ (source: github.com/kedacore/keda-docs,
# content/docs/2.22/reference/scaledobject-spec.md).
SCALEDOBJECT_SPEC = frozenset({"scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod",
                               "idleReplicaCount", "minReplicaCount", "maxReplicaCount", "fallback", "advanced",
                               "triggers"})
SCALE_TARGET_REF = frozenset({"apiVersion", "kind", "name", "envSourceContainerName"})
ADVANCED = frozenset({"restoreToOriginalReplicaCount", "horizontalPodAutoscalerConfig", "scalingModifiers"})
HPA_CONFIG = frozenset({"name", "behavior"})
TRIGGER = frozenset({"type", "metadata", "name", "useCachedMetrics", "authenticationRef", "metricType"})
# The `temporal` trigger's parameters, https://keda.sh/docs/2.22/scalers/temporal/ (content/docs/2.22/scalers/
# temporal.md), less the deprecated buildId, selectAllActive and selectUnversioned. Trigger metadata is a map of
# strings in KEDA's CRD: an unquoted 100 is refused when applied.
TEMPORAL_METADATA = frozenset({"endpoint", "endpointFromEnv", "namespace", "activationTargetQueueSize",
                               "targetQueueSize", "taskQueue", "queueTypes", "workerDeploymentName",
                               "workerDeploymentBuildId", "includeRunningWorkflowCount", "workflowTaskQueueForCount",
                               "apiKeyFromEnv", "minConnectTimeout", "unsafeSsl", "tlsServerName", "enableTLS"})
TEMPORAL_COUNTS = ("targetQueueSize", "activationTargetQueueSize", "minConnectTimeout")
TEMPORAL_QUEUE_TYPES = frozenset({"workflow", "activity"})


def _unknown(where: str, mapping: object, allowed: frozenset[str]) -> Iterator[str]:
    if not isinstance(mapping, dict):
        yield f"{where}: not a mapping"
        return
    for key in sorted(set(mapping) - allowed):
        yield f"{where}.{key}: not a documented field ({', '.join(sorted(allowed))})"


def _scaledobject_problems(doc: Resource) -> list[str]:
    """``doc`` against KEDA's documented ScaledObject fields and the `temporal` trigger's parameters."""
    return list(_scaledobject_rule(doc))


def _scaledobject_rule(doc: Resource) -> Iterator[str]:
    if (doc.get("apiVersion"), doc.get("kind")) != ("keda.sh/v1alpha1", "ScaledObject"):
        yield f"{doc.get('apiVersion')}/{doc.get('kind')}: not a keda.sh/v1alpha1 ScaledObject"
    spec = doc.get("spec") or {}
    advanced = spec.get("advanced", {})
    yield from _unknown("spec", spec, SCALEDOBJECT_SPEC)
    yield from _unknown("spec.scaleTargetRef", spec.get("scaleTargetRef"), SCALE_TARGET_REF)
    yield from _unknown("spec.advanced", advanced, ADVANCED)
    yield from _unknown("spec.advanced.horizontalPodAutoscalerConfig",
                        advanced.get("horizontalPodAutoscalerConfig", {}), HPA_CONFIG)
    if not (spec.get("scaleTargetRef") or {}).get("name"):
        yield "spec.scaleTargetRef.name: missing"
    low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    if not all(isinstance(count, int) and not isinstance(count, bool) for count in (low, high)):
        yield f"spec: minReplicaCount {low!r} and maxReplicaCount {high!r} must be whole numbers"
    elif not 1 <= low <= high:
        yield "spec: minReplicaCount must be at least 1 (never scale workers to zero) and at most maxReplicaCount"
    triggers = spec.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        yield "spec.triggers: missing"
        return
    for index, trigger in enumerate(triggers):
        where = f"spec.triggers[{index}]"
        yield from _unknown(where, trigger, TRIGGER)
        if trigger.get("type") != "temporal":
            yield f"{where}.type: {trigger.get('type')!r}, expected 'temporal'"
            continue
        meta = trigger.get("metadata")
        yield from _unknown(f"{where}.metadata", meta, TEMPORAL_METADATA)
        if not isinstance(meta, dict):
            continue
        for key, value in meta.items():
            if not isinstance(value, str):
                yield f"{where}.metadata.{key}: {value!r} is not a string (quote it)"
        if ("endpoint" in meta) == ("endpointFromEnv" in meta):
            yield f"{where}.metadata: needs endpoint or endpointFromEnv (one of them)"
        if not meta.get("taskQueue"):
            yield f"{where}.metadata.taskQueue: required"
        for key in TEMPORAL_COUNTS:
            if key in meta and not str(meta[key]).isdigit():
                yield f"{where}.metadata.{key}: {meta[key]!r} is not a whole number"
        if not set(str(meta.get("queueTypes", "workflow")).split(",")) <= TEMPORAL_QUEUE_TYPES:
            yield f"{where}.metadata.queueTypes: {meta.get('queueTypes')!r} (workflow, activity, comma-separated)"


def _all_problems(directory: Path, version: str = K8S_VERSIONS[-1]) -> list[str]:
    return (_schema_problems(directory, version) + _reference_problems(directory)
            + [f"{_where(name, doc)}: {p}" for name, doc in _custom(directory) for p in _scaledobject_problems(doc)])


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_the_kubernetes_manifests_pass_strict_schema_validation(version: str) -> None:
    assert sorted((name, doc["kind"]) for name, doc in _core(K8S)) == [
        ("configmap.yaml", "ConfigMap"), ("disruption.yaml", "PodDisruptionBudget"),
        ("disruption.yaml", "PodDisruptionBudget"), ("gateway.yaml", "Deployment"), ("gateway.yaml", "Service"),
        ("worker.yaml", "Deployment")]
    assert _schema_problems(K8S, version) == []


def test_the_kubernetes_manifests_agree_with_each_other_the_dockerfile_and_cadence_config() -> None:
    assert _reference_problems(K8S) == []


def test_the_scaledobject_uses_only_fields_keda_documents_since_no_schema_checks_it_offline() -> None:
    custom = _custom(K8S)
    assert [(name, doc["kind"]) for name, doc in custom] == [("keda/worker-scaledobject.yaml", "ScaledObject")]
    scaled = custom[0][1]
    with pytest.raises(kv.SchemaNotFoundError):  # why this test exists: the validator knows no CRDs
        kv.validate(scaled, K8S_VERSIONS[-1], strict=True)
    assert _scaledobject_problems(scaled) == []
    # KEDA's docs give `workflow` as queueTypes' default; its source (pkg/scalers/temporal_scaler.go) counts every
    # type when unset. cadence's workers poll workflow and activity tasks on one queue: say so, rely on neither.
    assert scaled["spec"]["triggers"][0]["metadata"]["queueTypes"] == "workflow,activity"


BREAKAGES: list[tuple[str, str, str, str]] = [  # (file, text, replaced by, a problem that must then be reported)
    ("worker.yaml", "readinessProbe:", "readinesProbe:", "'readinesProbe' was unexpected"),
    ("gateway.yaml", "containerPort: 8080", 'containerPort: "8080"', "containerPort: '8080' is not of type 'integer'"),
    ("disruption.yaml", "policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: cadence-gateway",
     "policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: cadence-gateway",  # removed in Kubernetes 1.25
     "Couldn't find schema for kind PodDisruptionBudget with api version policy/v1beta1"),
    ("gateway.yaml", "    app.kubernetes.io/component: gateway\n  ports:",
     "    app.kubernetes.io/component: gatway\n  ports:", "Service cadence-gateway selects the pods of no Deployment"),
    ("gateway.yaml", "targetPort: smtp", "targetPort: mail", "targetPort 'mail' is not a named port"),
    ("configmap.yaml", "  CADENCE_SMTP_HOST:", '  CADENCE_SMTP_PASSWORD: "hunter2"\n  CADENCE_SMTP_HOST:',
     "CADENCE_SMTP_PASSWORD is a secret"),
    ("configmap.yaml", "CADENCE_SMTP_HOST:", "CADENCE_SMTP_HOSTNAME:", "CADENCE_SMTP_HOSTNAME is not a variable"),
    ("configmap.yaml", 'CADENCE_GATEWAY_PORT: "8080"', 'CADENCE_GATEWAY_PORT: "8081"', "ports {'http': 8080"),
    ("configmap.yaml", 'CADENCE_WORKER_CACHE: "1000"', 'CADENCE_WORKER_CACHE: "3000"', "memory request 512 MiB"),
    ("configmap.yaml", 'CADENCE_SMTP_SECURITY: "starttls"', 'CADENCE_SMTP_SECURITY: "ssl"',
     "cadence refuses its settings: CADENCE_SMTP_SECURITY: 'ssl' is not one of none, starttls, tls"),
    ("worker.yaml", "      enableServiceLinks: false\n", "", "Kubernetes would set ['CADENCE_GATEWAY_PORT']"),
    ("worker.yaml", "runAsUser: 10001", "runAsUser: 1000", "runAsUser should be the Dockerfile's uid 10001"),
    ("gateway.yaml", "                  key: CADENCE_UNSUBSCRIBE_SECRET\n",
     "                  key: CADENCE_UNSUBSCRIBE_SECRET\n                  optional: true\n",
     "CADENCE_UNSUBSCRIBE_SECRET is required"),
    ("keda/worker-scaledobject.yaml", "name: cadence-worker            #", "name: cadence-workers           #",
     "not a Deployment of these files"),
    ("keda/worker-scaledobject.yaml", "taskQueue: cadence ", "taskQueue: nurture ", "the workers poll default/cadence"),
    ("keda/worker-scaledobject.yaml", 'targetQueueSize: "100"', "targetQueueSize: 100", "100 is not a string"),
    ("keda/worker-scaledobject.yaml", "targetQueueSize:", "targetQueSize:", "targetQueSize: not a documented field"),
    ("keda/worker-scaledobject.yaml", "minReplicaCount: 2", "minReplicaCount: 0", "never scale workers to zero"),
    ("keda/worker-scaledobject.yaml", "stabilizationWindowSeconds", "stabilisationWindowSeconds",
     "behavior.scaleDown: Additional properties are not allowed ('stabilisationWindowSeconds' was unexpected)"),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), BREAKAGES, ids=[
    "typo-in-a-field", "port-as-a-string", "removed-api-version", "service-selects-nothing", "unnamed-target-port",
    "secret-in-configmap", "unknown-variable", "port-not-the-setting", "cache-outgrows-memory", "unusable-setting",
    "service-links-on", "other-uid", "required-secret-optional", "scaled-object-target", "other-task-queue",
    "unquoted-metadata", "undocumented-parameter", "scale-to-zero", "typo-in-hpa-behavior"])
def test_a_broken_copy_of_the_manifests_fails_the_checks(tmp_path: Path, file: str, old: str, new: str,
                                                          expected: str) -> None:
    copy = tmp_path / "kubernetes"
    shutil.copytree(K8S, copy)
    text = (copy / file).read_text()
    assert text.count(old) == 1, f"{old!r} is not in {file} exactly once: update this test with the manifest"
    (copy / file).write_text(text.replace(old, new))
    problems = _all_problems(copy)
    assert any(expected in problem for problem in problems), problems
