"""Real Kubernetes API servers on 127.0.0.1, for the tests and the demo.

A LocalCluster is its own etcd plus kube-apiserver v1.20.2 (built once by
scripts/build-kube-apiserver.sh) on free loopback ports. Clients verify its TLS
certificate and authenticate with a bearer token, as against a real cluster.
start() returns once the Hybridnet CRDs from deploy/crds/ are Established.
There is no kubelet or controller: Nodes are plain objects, and whatever
hybridnet-manager would write (IPInstances, status) the caller writes itself.
"""

import base64
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from planner.kube.constants import (
    DEFAULT_TIMEOUT,
    GROUP,
    HYBRIDNET_KINDS,
    IPINSTANCE,
    MERGE_PATCH,
    VERSION,
)
from planner.kube.credentials import ClusterCredentials, build_api_client

APISERVER_VERSION = "v1.20.2"
DEFAULT_CACHE_DIR = "/var/cache/hybridplan"
DEFAULT_ETCD = "/usr/bin/etcd"
BUILD_SCRIPT = "scripts/build-kube-apiserver.sh"
CRD_DIR = Path(__file__).resolve().parents[2] / "deploy" / "crds"

LOOPBACK = "127.0.0.1"
SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/16"
STARTUP_TIMEOUT_S = 60.0
CRD_ESTABLISHED_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.2
# Another process may take a port between our probe and the server's bind.
START_ATTEMPTS = 3
LOG_TAIL_LINES = 20

ADMIN_USER = "admin"
# Known to the server but granted nothing by RBAC: for "request denied" tests.
RESTRICTED_USER = "restricted"
# Namespaces the apiserver makes itself; reset() leaves them in place.
SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
# With no certificate given, the apiserver makes a serving certificate for
# 127.0.0.1 and localhost and writes it followed by the CA that signed it; that
# file is the CA bundle clients verify the server with.
SERVING_CERT = "certs/apiserver.crt"


class HarnessError(RuntimeError):
    """A local cluster could not be started or used."""


def apiserver_binary() -> Path:
    """The kube-apiserver binary: $KUBE_APISERVER_BIN, or the build script's cache."""
    cache = Path(os.environ.get("HYBRIDPLAN_K8S_CACHE") or DEFAULT_CACHE_DIR)
    path = Path(
        os.environ.get("KUBE_APISERVER_BIN") or cache / f"kube-apiserver-{APISERVER_VERSION}"
    )
    if not os.access(path, os.X_OK):
        raise HarnessError(f"kube-apiserver not found at {path}: run {BUILD_SCRIPT}")
    return path


def etcd_binary() -> Path:
    """The etcd binary: $ETCD_BIN, or Debian's etcd-server package."""
    path = Path(os.environ.get("ETCD_BIN") or DEFAULT_ETCD)
    if not os.access(path, os.X_OK):
        raise HarnessError(
            f"etcd not found at {path}: install Debian's etcd-server ({BUILD_SCRIPT} does)"
        )
    return path


_ports_lock = threading.Lock()
_ports_handed_out: set[int] = set()


def _free_ports(count: int) -> list[int]:
    """Ports the kernel calls free, never the same one twice in this process,
    so that clusters started side by side in threads do not collide."""
    ports: list[int] = []
    with _ports_lock:
        while len(ports) < count:
            with socket.socket() as sock:
                sock.bind((LOOPBACK, 0))
                port = sock.getsockname()[1]
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                ports.append(port)
    return ports


class _PortTaken(HarnessError):
    pass


class LocalCluster:
    """One etcd + kube-apiserver pair; use start()/stop() or `with`."""

    def __init__(self, name: str = "local", workdir: Path | str | None = None) -> None:
        self.name = name
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"hybridplan-{name}-"))
        self._tokens = {user: secrets.token_urlsafe(32) for user in (ADMIN_USER, RESTRICTED_USER)}
        self._processes: dict[str, subprocess.Popen] = {}  # program -> process, in start order
        self._server = ""
        self._ca_pem = ""
        self._api: client.ApiClient | None = None

    def __repr__(self) -> str:
        return f"LocalCluster({self.name!r}, server={self._server or 'not started'})"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def server(self) -> str:
        return self._require_started(self._server)

    @property
    def ca_pem(self) -> str:
        return self._require_started(self._ca_pem)

    @property
    def token(self) -> str:
        return self._tokens[ADMIN_USER]

    @property
    def kubeconfig_path(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def credentials(self) -> ClusterCredentials:
        """Cluster-admin credentials (group system:masters)."""
        return ClusterCredentials(server=self.server, ca_pem=self.ca_pem, token=self.token)

    @property
    def restricted_credentials(self) -> ClusterCredentials:
        """A user the server authenticates but RBAC allows nothing."""
        return ClusterCredentials(
            server=self.server, ca_pem=self.ca_pem, token=self._tokens[RESTRICTED_USER]
        )

    def start(self, timeout: float = STARTUP_TIMEOUT_S) -> Self:
        """Start etcd and kube-apiserver, wait until ready, install the CRDs."""
        apiserver, etcd = apiserver_binary(), etcd_binary()
        try:
            self.workdir.mkdir(parents=True, exist_ok=True)
            self._write_secrets()
            self._start_processes(apiserver, etcd, time.monotonic() + timeout)
            self._write_kubeconfig()
            self._install_crds()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop both processes; remove the work directory if this object made it."""
        if self._api is not None:
            self._api.close()
            self._api = None
        self._terminate_processes()
        self._server = ""
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def create_nodes(self, nodes: list[dict[str, Any]]) -> None:
        """Create Nodes from dicts with `name`, optional `ip` and `labels`."""
        core = client.CoreV1Api(self._admin_api())
        for node in nodes:
            body: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node["name"], "labels": node.get("labels") or {}},
            }
            if node.get("ip"):
                body["status"] = {"addresses": [{"type": "InternalIP", "address": node["ip"]}]}
            core.create_node(body, _request_timeout=DEFAULT_TIMEOUT)

    def create_namespace(self, name: str) -> None:
        """Create a namespace (IPInstances live in the pods' namespaces)."""
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        client.CoreV1Api(self._admin_api()).create_namespace(body, _request_timeout=DEFAULT_TIMEOUT)

    def reset(self) -> None:
        """Remove every Hybridnet object, Node and non-system namespace, so the
        next test starts from a fresh cluster without paying for a restart."""
        api = self._admin_api()
        custom, core = client.CustomObjectsApi(api), client.CoreV1Api(api)
        namespaces = [
            ns.metadata.name for ns in core.list_namespace(_request_timeout=DEFAULT_TIMEOUT).items
        ]
        for namespace in namespaces:
            _purge(
                custom.delete_collection_namespaced_custom_object,
                custom.list_namespaced_custom_object,
                custom.patch_namespaced_custom_object,
                GROUP,
                VERSION,
                namespace,
                IPINSTANCE.plural,
            )
        for kind in HYBRIDNET_KINDS.values():
            if not kind.namespaced:
                _purge(
                    custom.delete_collection_cluster_custom_object,
                    custom.list_cluster_custom_object,
                    custom.patch_cluster_custom_object,
                    GROUP,
                    VERSION,
                    kind.plural,
                )
        for namespace in set(namespaces) - SYSTEM_NAMESPACES:
            _delete_namespace(core, namespace)
        core.delete_collection_node(_request_timeout=DEFAULT_TIMEOUT)

    def _require_started(self, value: str) -> str:
        if not self._server:
            raise HarnessError(f"{self!r} is not running: call start() first")
        return value

    def _admin_api(self) -> client.ApiClient:
        if self._api is None:
            self._api = build_api_client(self.credentials)  # raises unless started
        return self._api

    def _write_secrets(self) -> None:
        tokens = "".join(
            f"{token},{user},{user}-uid{',system:masters' if user == ADMIN_USER else ''}\n"
            for user, token in self._tokens.items()
        )
        _write_private(self.workdir / "tokens.csv", tokens)
        # Signs service-account tokens; the apiserver refuses to start without it.
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        _write_private(self.workdir / "sa.key", pem.decode())

    def _start_processes(self, apiserver: Path, etcd: Path, deadline: float) -> None:
        for attempt in range(1, START_ATTEMPTS + 1):
            server = self._launch(apiserver, etcd)
            try:
                self._wait_until_ready(server, deadline)
                return
            except _PortTaken:
                self._terminate_processes()
                if attempt == START_ATTEMPTS:
                    raise

    def _launch(self, apiserver: Path, etcd: Path) -> str:
        """Spawn etcd and kube-apiserver on fresh ports; return the server URL."""
        etcd_client, etcd_peer, secure_port = _free_ports(3)
        work = self.workdir
        etcd_data = work / "etcd"
        shutil.rmtree(etcd_data, ignore_errors=True)  # left by a failed attempt
        self._spawn(
            "etcd",
            [
                str(etcd),
                f"--name={self.name}",
                f"--data-dir={etcd_data}",
                f"--listen-client-urls=http://{LOOPBACK}:{etcd_client}",
                f"--advertise-client-urls=http://{LOOPBACK}:{etcd_client}",
                f"--listen-peer-urls=http://{LOOPBACK}:{etcd_peer}",
                f"--initial-advertise-peer-urls=http://{LOOPBACK}:{etcd_peer}",
                f"--initial-cluster={self.name}=http://{LOOPBACK}:{etcd_peer}",
                # Throw-away data: skipping fsync makes every write far cheaper.
                "--unsafe-no-fsync",
                "--logger=zap",
                "--log-level=warn",
            ],
        )
        self._spawn(
            "kube-apiserver",
            [
                str(apiserver),
                f"--etcd-servers=http://{LOOPBACK}:{etcd_client}",
                f"--bind-address={LOOPBACK}",
                f"--advertise-address={LOOPBACK}",
                f"--secure-port={secure_port}",
                f"--cert-dir={work / 'certs'}",
                f"--token-auth-file={work / 'tokens.csv'}",
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc",
                f"--service-account-key-file={work / 'sa.key'}",
                f"--service-account-signing-key-file={work / 'sa.key'}",
                f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
            ],
        )
        return f"https://{LOOPBACK}:{secure_port}"

    def _spawn(self, program: str, argv: list[str]) -> None:
        with open(self.workdir / f"{program}.log", "wb") as log:
            # A session of its own: Ctrl-C in the demo's terminal reaches only
            # Python, which then stops the servers in order.
            self._processes[program] = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _wait_until_ready(self, server: str, deadline: float) -> None:
        cert = self.workdir / SERVING_CERT
        while time.monotonic() < deadline:
            self._check_processes_alive()
            if cert.exists() and self._ready(server, cert.read_text()):
                self._ca_pem = cert.read_text()
                self._server = server
                return
            time.sleep(POLL_INTERVAL_S)
        raise HarnessError(
            f"kube-apiserver for {self.name!r} not ready after the deadline; "
            f"logs in {self.workdir}\n{self._log_tail('kube-apiserver')}"
        )

    def _ready(self, server: str, ca_pem: str) -> bool:
        request = urllib.request.Request(
            f"{server}/readyz",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        context = ssl.create_default_context(cadata=ca_pem)
        try:
            with urllib.request.urlopen(request, context=context, timeout=2) as response:
                return response.read() == b"ok"
        except (urllib.error.URLError, OSError, ssl.SSLError):
            return False  # still starting: not listening yet, or answering 500

    def _check_processes_alive(self) -> None:
        for program, process in self._processes.items():
            if process.poll() is None:
                continue
            tail = self._log_tail(program)
            message = (
                f"{program} for {self.name!r} exited with status {process.returncode}:\n{tail}"
            )
            if "address already in use" in tail:
                raise _PortTaken(message)
            raise HarnessError(message)

    def _log_tail(self, program: str) -> str:
        lines = (self.workdir / f"{program}.log").read_text(errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def _terminate_processes(self) -> None:
        # apiserver first, so that it does not log a storm of etcd errors.
        for process in reversed(self._processes.values()):
            _terminate(process)
        self._processes.clear()

    def _write_kubeconfig(self) -> None:
        user = f"{self.name}-{ADMIN_USER}"
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": self.name,
            "clusters": [
                {
                    "name": self.name,
                    "cluster": {
                        "server": self.server,
                        "certificate-authority-data": base64.b64encode(
                            self.ca_pem.encode()
                        ).decode(),
                    },
                }
            ],
            "users": [{"name": user, "user": {"token": self.token}}],
            "contexts": [{"name": self.name, "context": {"cluster": self.name, "user": user}}],
        }
        _write_private(self.kubeconfig_path, yaml.safe_dump(kubeconfig, sort_keys=False))

    def _install_crds(self) -> None:
        extensions = client.ApiextensionsV1Api(self._admin_api())
        names = []
        for path in sorted(CRD_DIR.glob("*.yaml")):
            crd = yaml.safe_load(path.read_text())
            extensions.create_custom_resource_definition(crd, _request_timeout=DEFAULT_TIMEOUT)
            names.append(crd["metadata"]["name"])
        deadline = time.monotonic() + CRD_ESTABLISHED_TIMEOUT_S
        for name in names:
            while not _established(extensions, name):
                if time.monotonic() > deadline:
                    raise HarnessError(f"CRD {name} not Established on {self.name!r}")
                time.sleep(POLL_INTERVAL_S)


def start_many(count: int, prefix: str = "local") -> list[LocalCluster]:
    """Start `count` independent clusters side by side; all or none."""
    clusters = [LocalCluster(f"{prefix}-{index}") for index in range(1, count + 1)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(cluster.start) for cluster in clusters]
    errors = [future.exception() for future in futures if future.exception()]
    if errors:
        for cluster in clusters:
            cluster.stop()
        raise errors[0]
    return clusters


def _purge(
    delete_collection: Callable[..., Any],
    list_objects: Callable[..., Any],
    patch: Callable[..., Any],
    *location: str,
) -> None:
    """Delete a whole collection, then clear finalizers on anything left
    Terminating: no Hybridnet controller runs here to remove them."""
    delete_collection(*location, _request_timeout=DEFAULT_TIMEOUT)
    for leftover in list_objects(*location, _request_timeout=DEFAULT_TIMEOUT)["items"]:
        patch(
            *location,
            leftover["metadata"]["name"],
            {"metadata": {"finalizers": None}},
            _content_type=MERGE_PATCH,
            _request_timeout=DEFAULT_TIMEOUT,
        )


def _delete_namespace(core: client.CoreV1Api, name: str) -> None:
    """Delete a namespace and do the namespace controller's part: with no
    controller-manager here, it would otherwise stay Terminating for good."""
    try:
        core.delete_namespace(name, _request_timeout=DEFAULT_TIMEOUT)
        core.replace_namespace_finalize(
            name,
            {"metadata": {"name": name}, "spec": {"finalizers": []}},
            _request_timeout=DEFAULT_TIMEOUT,
        )
    except ApiException as exc:
        if exc.status != 404:  # already gone
            raise


def _established(extensions: client.ApiextensionsV1Api, name: str) -> bool:
    crd = extensions.read_custom_resource_definition(name, _request_timeout=DEFAULT_TIMEOUT)
    conditions = (crd.status and crd.status.conditions) or []
    return any(c.type == "Established" and c.status == "True" for c in conditions)


def _terminate(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(STOP_TIMEOUT_S)
    except ProcessLookupError:
        pass  # already gone
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: these hold tokens and keys."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
