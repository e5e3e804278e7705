"""A real Celery worker process for the tests, on the test database and a private queue."""

import sys
import uuid

from hybridplan.celery import app as celery_app
from tests.service_process import ServiceProcess

PING_TIMEOUT_S = 1.0


class WorkerProcess(ServiceProcess):
    description = "celery worker"

    def __init__(self, log_path) -> None:
        super().__init__(log_path)
        self.queue = f"hybridplan-test-{uuid.uuid4().hex[:8]}"
        self.name = f"{self.queue}@localhost"

    def start(self) -> "WorkerProcess":
        # Everything this session sends goes to a queue only this worker reads.
        celery_app.conf.task_default_queue = self.queue
        return super().start()

    def command(self) -> list[str]:
        return [
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
            "--include=tests.server_hooks",
            "--loglevel=INFO",
        ]

    def is_ready(self) -> bool:
        return bool(celery_app.control.ping(destination=[self.name], timeout=PING_TIMEOUT_S))
