"""The console log (settings.LOGGING): a request refused for the client's fault is one line,
a server error keeps its traceback."""

import io
import logging

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def console() -> io.StringIO:
    """What the handler named "console" in settings.LOGGING writes."""
    (handler,) = [handler for handler in logging.getLogger().handlers if handler.name == "console"]
    output = io.StringIO()
    stream = handler.setStream(output)
    yield output
    handler.setStream(stream)


def test_admin_permission_denied_is_one_line(client, console):
    client.force_login(User.objects.create_user("viewer", password="unused", is_staff=True))
    assert client.get("/admin/planner/site/").status_code == 403
    assert console.getvalue() == "Forbidden (Permission denied): /admin/planner/site/\n"


def test_disallowed_host_is_one_line(client, console):
    assert client.get("/healthz", HTTP_HOST="evil.example").status_code == 400
    assert console.getvalue().splitlines() == [
        "Invalid HTTP_HOST header: 'evil.example'. You may need to add 'evil.example' to "
        "ALLOWED_HOSTS."
    ]


def test_server_error_keeps_its_traceback(console):
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        logging.getLogger("django.request").exception(
            "Internal Server Error: /x", extra={"status_code": 500}
        )
    assert "Traceback" in console.getvalue() and "RuntimeError: a bug" in console.getvalue()
