"""python manage.py ensure_admin: an admin login for a fresh install, its password shown once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD_BYTES = 12


class Command(BaseCommand):
    help = "Create the superuser if it does not exist yet and print its password (once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(f"User {username!r} exists; its password was printed when created.")
            return
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        users.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Created user {username!r} with password {password}"))
