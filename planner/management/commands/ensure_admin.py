"""python manage.py ensure_admin: an admin login for a fresh install, its password shown once."""

import secrets
import shlex
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD_BYTES = 12
BANNER_MARGIN = 2


def _python_here() -> str:
    """The Python running this, as typed from here: `.venv/bin/python` in a checkout."""
    python = Path(sys.executable)
    return str(python.relative_to(Path.cwd())) if python.is_relative_to(Path.cwd()) else str(python)


def framed(lines: list[str]) -> str:
    width = max(map(len, lines)) + BANNER_MARGIN
    rule = "+" + "-" * width + "+"
    return "\n".join([rule, *(f"| {line.ljust(width - 1)}|" for line in lines), rule])


class Command(BaseCommand):
    help = (
        "Create the superuser if it does not exist yet and print its password (once); "
        "otherwise say how to set a new one."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model()
        change_password = shlex.join([_python_here(), "manage.py", "changepassword", username])
        if users.objects.filter(username=username).exists():
            self.stdout.write(
                f"Sign in as {username!r} (its password was shown when it was created; "
                f"to set a new one: {change_password})"
            )
            return
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        users.objects.create_superuser(username=username, email="", password=password)
        banner = framed(
            [
                "Sign in with (shown this once):",
                f"  username: {username}",
                f"  password: {password}",
                "To set a new password later:",
                f"  {change_password}",
            ]
        )
        self.stdout.write(self.style.SUCCESS(banner))
