"""Exceptions for failed Kubernetes requests, and the translation into them.

The official client raises `ApiException` with a JSON `Status` body, or raw
urllib3 errors when no answer came at all. Callers of the gateway get one of
the classes below instead, whose message says in a sentence what went wrong,
on which cluster, and (where the server said something) the server's words.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

import urllib3
from kubernetes.client.exceptions import ApiException

from planner.kube.constants import GROUP, Timeout


class KubeError(Exception):
    """A request to a cluster failed. `status` is the HTTP code when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidCredentials(KubeError):
    """Stored credentials cannot be used as given (malformed, or unsafe to load)."""


class ClusterUnreachable(KubeError):
    """No HTTP answer: connection refused, timed out, or dropped."""


class TlsVerificationFailed(KubeError):
    """The server's certificate is not trusted by the stored CA, or names another host."""


class AuthenticationFailed(KubeError):
    """401: the server did not accept the token, certificate or kubeconfig."""


class RequestDenied(KubeError):
    """403: authenticated, but RBAC or an admission webhook said no."""


class ObjectNotFound(KubeError):
    """404 for a named object (or the namespace it should live in)."""


class CrdsMissing(KubeError):
    """The cluster does not serve the Hybridnet resource types."""


class InvalidObject(KubeError):
    """422: the object does not match the CRD's schema."""


class FieldManagerConflict(KubeError):
    """409 on server-side apply: fields we set are owned by other field managers."""

    def __init__(self, message: str, *, conflicts: dict[str, list[str]]) -> None:
        super().__init__(message, status=HTTPStatus.CONFLICT)
        self.conflicts = conflicts  # manager name -> field paths such as ".spec.network"


# An SSA conflict cause reads 'conflict with "kubectl"' or
# 'conflict with "kubectl-edit" using networking.alibaba.com/v1'.
_CONFLICT_MANAGER = re.compile(r'conflict with "([^"]+)"')


@contextmanager
def translated_errors(server: str, action: str, timeout: Timeout) -> Iterator[None]:
    """Turn the client's exceptions inside the block into KubeError subclasses.

    `action` completes "Could not ..." (for example 'apply Subnet "s1"').
    """
    prefix = f"Could not {action} on {server}"
    try:
        yield
    except ApiException as exc:
        raise _from_api_exception(exc, prefix) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise _from_transport_error(exc, prefix, timeout) from exc


def _from_api_exception(exc: ApiException, prefix: str) -> KubeError:
    status = _status_body(exc)
    message = status.get("message") or exc.reason or "no message"
    details = status.get("details") or {}
    code = exc.status
    if code == HTTPStatus.UNAUTHORIZED:
        return AuthenticationFailed(
            f"{prefix}: the server did not accept the credentials (401 Unauthorized); "
            "check the token, client certificate or kubeconfig.",
            status=code,
        )
    if code == HTTPStatus.FORBIDDEN:
        return RequestDenied(f"{prefix}: the request was denied: {message}", status=code)
    if code == HTTPStatus.NOT_FOUND:
        if details.get("name"):
            return ObjectNotFound(f"{prefix}: {message}", status=code)
        # A 404 naming no object means the URL's resource type is not served.
        return CrdsMissing(
            f"{prefix}: the server does not serve this resource; "
            f"are the Hybridnet CRDs ({GROUP}) installed?",
            status=code,
        )
    if code == HTTPStatus.CONFLICT and (conflicts := _field_conflicts(details)):
        return FieldManagerConflict(
            f"{prefix}: {_describe_conflicts(conflicts)}", conflicts=conflicts
        )
    if code == HTTPStatus.UNPROCESSABLE_ENTITY:
        return InvalidObject(f"{prefix}: {message}", status=code)
    return KubeError(f"{prefix}: the server answered {code} {exc.reason}: {message}", status=code)


def _from_transport_error(
    exc: urllib3.exceptions.HTTPError, prefix: str, timeout: Timeout
) -> KubeError:
    # With retries off, urllib3 still wraps the real cause in MaxRetryError.reason.
    cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
    if isinstance(cause, urllib3.exceptions.SSLError):
        return TlsVerificationFailed(
            f"{prefix}: the server's TLS certificate was not accepted ({_first_line(cause)}); "
            "check the CA certificate and the server address."
        )
    why = _why_no_answer(cause, timeout)
    return ClusterUnreachable(f"{prefix}: the cluster is unreachable ({why}).")


def _why_no_answer(cause: BaseException, timeout: Timeout) -> str:
    if isinstance(cause, urllib3.exceptions.NameResolutionError):
        return "the host name does not resolve"
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        # The OSError that urllib3 wrapped, e.g. "Connection refused".
        os_error = cause.__cause__
        return (getattr(os_error, "strerror", None) or "the connection failed").lower()
    if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):
        return f"no connection within {timeout.connect:g} s"
    if isinstance(cause, urllib3.exceptions.ReadTimeoutError):
        # Also raised when the TLS handshake outlasts the connect timeout: which of the two
        # ran out is not known, so both are named.
        return (
            f"no answer in time: {timeout.connect:g} s to connect and shake hands, "
            f"{timeout.read:g} s to answer"
        )
    return _first_line(cause)


def _status_body(exc: ApiException) -> dict:
    try:
        body = json.loads(exc.body or "")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _field_conflicts(details: dict) -> dict[str, list[str]]:
    conflicts: dict[str, list[str]] = {}
    for cause in details.get("causes") or []:
        if cause.get("reason") != "FieldManagerConflict":
            continue
        match = _CONFLICT_MANAGER.search(cause.get("message", ""))
        manager = match.group(1) if match else "another field manager"
        conflicts.setdefault(manager, []).append(cause.get("field", "?"))
    return conflicts


def _describe_conflicts(conflicts: dict[str, list[str]]) -> str:
    owned = "; ".join(
        f'{", ".join(fields)} owned by "{manager}"' for manager, fields in conflicts.items()
    )
    return (
        f"fields are managed by another field manager ({owned}); Hybridplan does not "
        "take them over by force. Change them back, or remove that manager's claim."
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
