"""The web server as `make run` and production run it, for tests that need real clients in
parallel: gunicorn with several worker processes, each with its own database connection,
on the test database."""

import socket
import sys

import requests

from tests.service_process import POLL_INTERVAL_S, ServiceProcess

WORKERS = 4
# A request still queued while gunicorn's workers start counts as not ready yet.
READY_PROBE_TIMEOUT_S = 5 * POLL_INTERVAL_S


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServerProcess(ServiceProcess):
    description = "gunicorn"

    def __init__(self, log_path) -> None:
        super().__init__(log_path)
        self.url = f"http://127.0.0.1:{free_port()}"

    def command(self) -> list[str]:
        bind = self.url.removeprefix("http://")
        return [
            *(sys.executable, "-m", "gunicorn", "hybridplan.wsgi"),
            *("--bind", bind, "--workers", str(WORKERS)),
            *("--config", "python:tests.server_hooks"),
        ]

    def environment(self) -> dict[str, str]:
        return super().environment() | {"DATABASE_CONN_MAX_AGE": "0"}

    def is_ready(self) -> bool:
        try:
            requests.get(f"{self.url}/api/", timeout=READY_PROBE_TIMEOUT_S)
        except requests.RequestException:
            return False
        return True
