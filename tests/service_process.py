"""Processes the tests start beside them on the test database (a Celery worker, gunicorn):
started, waited for until they answer, stopped."""

import os
import subprocess
import time
from abc import ABC, abstractmethod
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 60
POLL_INTERVAL_S = 0.2
STOP_TIMEOUT_S = 10
# How much of a failed process's log an error shows.
LOG_TAIL_CHARS = 3000


def database_url_of_tests() -> str:
    """The URL of the database the tests use now (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}"


class ServiceProcess(ABC):
    """Subclasses say what to run (`command`) and how to tell it is ready (`is_ready`)."""

    description = "process"

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @abstractmethod
    def command(self) -> list[str]:
        """The process's command line."""

    @abstractmethod
    def is_ready(self) -> bool:
        """Whether the process answers yet."""

    def environment(self) -> dict[str, str]:
        return os.environ | {"DATABASE_URL": database_url_of_tests()}

    def start(self) -> "ServiceProcess":
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self.environment(), stdout=log, stderr=log
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
                log = self.log_path.read_text()[-LOG_TAIL_CHARS:]
                raise RuntimeError(f"{self.description} exited:\n{log}")
            if self.is_ready():
                return
            time.sleep(POLL_INTERVAL_S)
        raise RuntimeError(f"{self.description} not ready in {READY_TIMEOUT_S}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
