"""The Celery application; tasks are discovered in the Django apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hybridplan.settings")

app = Celery("hybridplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Every worker records its heartbeat for /healthz. Named, not imported: the step needs the
# models, which are not loaded yet when this module is.
app.steps["worker"].add("planner.heartbeat:WorkerHeartbeat")


FILE_RESULTS_SCHEME = "file://"


def _ensure_local_folders() -> None:
    """The embedded default keeps the broker and results on disk; kombu and Celery expect
    those folders to exist already."""
    folders = [f for f in app.conf.broker_transport_options.values() if isinstance(f, str)]
    backend = app.conf.result_backend or ""
    if backend.startswith(FILE_RESULTS_SCHEME):
        folders.append(backend.removeprefix(FILE_RESULTS_SCHEME))
    for folder in folders:
        os.makedirs(folder, exist_ok=True)


_ensure_local_folders()
