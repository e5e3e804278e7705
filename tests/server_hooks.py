"""Hooks for the server processes the tests start (gunicorn, the Celery worker): they outlive
each transactional test, whose flush re-creates the content types under new ids. Django
caches those ids per process (the change log's entries refer to them), so each request
and each task reads them afresh."""

from celery.signals import task_prerun


def clear_content_types() -> None:
    from django.contrib.contenttypes.models import ContentType  # the app is set up by now

    ContentType.objects.clear_cache()


def pre_request(worker, req) -> None:
    """gunicorn's hook (`--config python:tests.server_hooks`)."""
    clear_content_types()


@task_prerun.connect
def before_task(**kwargs) -> None:
    """The Celery worker's (`--include tests.server_hooks`)."""
    clear_content_types()
