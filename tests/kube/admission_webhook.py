"""A small validating admission webhook, as Hybridnet's: an HTTPS AdmissionReview server that
denies the objects it is told to, with the text it is given, registered in a test apiserver
by a ValidatingWebhookConfiguration."""

import base64
import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from kubernetes import client

from planner.kube.constants import DEFAULT_TIMEOUT, GROUP, VERSION
from planner.kube.credentials import build_api_client
from planner.kube.localcluster import LocalCluster

LOOPBACK = "127.0.0.1"
WEBHOOK_NAME = "subnet.validating.hybridnet.test"
CERT_DAYS = 1
WEBHOOK_TIMEOUT_S = 5


class DenyingWebhook:
    """Denies CREATE/UPDATE of the Subnets named in `denials` (name -> Hybridnet's text)."""

    def __init__(self, denials: dict[str, str]) -> None:
        self.denials = denials
        self.ca_pem, key_pem = _self_signed_certificate()
        self._dir = tempfile.TemporaryDirectory(prefix="webhook-")
        cert_file, key_file = Path(self._dir.name, "tls.crt"), Path(self._dir.name, "tls.key")
        cert_file.write_bytes(self.ca_pem)
        key_file.write_bytes(key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self._server = ThreadingHTTPServer((LOOPBACK, 0), self._handler())
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://{LOOPBACK}:{self._server.server_address[1]}/validate"

    def register(self, cluster: LocalCluster) -> None:
        body = {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": WEBHOOK_NAME},
            "webhooks": [
                {
                    "name": WEBHOOK_NAME,
                    "clientConfig": {
                        "url": self.url,
                        "caBundle": base64.b64encode(self.ca_pem).decode(),
                    },
                    "rules": [
                        {
                            "apiGroups": [GROUP],
                            "apiVersions": [VERSION],
                            "operations": ["CREATE", "UPDATE"],
                            "resources": ["subnets"],
                        }
                    ],
                    "admissionReviewVersions": ["v1"],
                    "sideEffects": "None",
                    "failurePolicy": "Fail",
                    "timeoutSeconds": WEBHOOK_TIMEOUT_S,
                }
            ],
        }
        _admission_api(cluster).create_validating_webhook_configuration(
            body, _request_timeout=DEFAULT_TIMEOUT
        )

    def unregister(self, cluster: LocalCluster) -> None:
        _admission_api(cluster).delete_validating_webhook_configuration(
            WEBHOOK_NAME, _request_timeout=DEFAULT_TIMEOUT
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._dir.cleanup()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        denials = self.denials

        class AdmissionHandler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                review = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                request = review["request"]
                message = denials.get(request["name"])
                response = {"uid": request["uid"], "allowed": message is None}
                if message is not None:
                    # As Hybridnet's webhook answers: admission.Denied, 403 with its text.
                    response["status"] = {"code": HTTPStatus.FORBIDDEN, "message": message}
                body = json.dumps({**review, "response": response}).encode()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # quiet: pytest shows failures, not every review

        return AdmissionHandler


def _admission_api(cluster: LocalCluster) -> client.AdmissionregistrationV1Api:
    return client.AdmissionregistrationV1Api(build_api_client(cluster.credentials))


def _self_signed_certificate() -> tuple[bytes, bytes]:
    """A certificate for 127.0.0.1 (an IP SAN: Go ignores the CN) and its key, in PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
