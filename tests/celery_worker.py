"""A real Celery worker process for the tests, on the test database and a private queue."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from hybridplan.celery import app as celery_app
from tests.web_server import database_url_of_tests

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 60
PING_TIMEOUT_S = 1.0


class WorkerProcess:
    def __init__(self, log_path: Path) -> None:
        self.queue = f"hybridplan-test-{uuid.uuid4().hex[:8]}"
        self.name = f"{self.queue}@localhost"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        # Everything this session sends goes to a queue only this worker reads.
        celery_app.conf.task_default_queue = self.queue
        env = os.environ | {"DATABASE_URL": database_url_of_tests()}
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hybridplan",
            "worker",
            "--pool=solo",
            "-Q",
            self.queue,
            "-n",
            self.name,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited:\n{self.log_path.read_text()[-3000:]}")
            if celery_app.control.ping(destination=[self.name], timeout=PING_TIMEOUT_S):
                return
        raise RuntimeError(f"celery worker not ready in {READY_TIMEOUT_S}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
