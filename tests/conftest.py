"""Suite-wide pytest set-up: say which database and broker the run uses."""

from django.conf import settings


def pytest_report_header(config) -> list[str]:
    database = settings.DATABASES["default"]
    where = database.get("HOST") or "local file"
    return [
        f"hybridplan database: {database['ENGINE'].rsplit('.', 1)[-1]} "
        f"{database['NAME']} at {where}",
        f"hybridplan celery broker: {settings.CELERY_BROKER_URL.split('@')[-1]}",
    ]
