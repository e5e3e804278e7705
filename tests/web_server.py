"""The web server as `make run` and production run it, for tests that need real clients in
parallel: gunicorn with several worker processes, each with its own database connection,
on the test database."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
READY_TIMEOUT_S = 60
POLL_INTERVAL_S = 0.2
STOP_TIMEOUT_S = 10


def database_url_of_tests() -> str:
    """The URL of the database the tests use now (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServerProcess:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "WebServerProcess":
        env = os.environ | {"DATABASE_URL": database_url_of_tests(), "DATABASE_CONN_MAX_AGE": "0"}
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "hybridplan.wsgi",
            "--bind",
            self.url.removeprefix("http://"),
            "--workers",
            str(WORKERS),
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                requests.get(f"{self.url}/api/", timeout=POLL_INTERVAL_S * 5)
                return
            except requests.RequestException:
                time.sleep(POLL_INTERVAL_S)
        raise RuntimeError(f"gunicorn not ready in {READY_TIMEOUT_S}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
