"""The Celery application; tasks are discovered in the Django apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hybridplan.settings")

app = Celery("hybridplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _ensure_filesystem_broker_folders() -> None:
    """kombu's filesystem transport expects its folders to exist already."""
    for folder in set(app.conf.broker_transport_options.values()):
        if isinstance(folder, str):
            os.makedirs(folder, exist_ok=True)


_ensure_filesystem_broker_folders()
