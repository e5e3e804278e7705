"""ensure_admin: the first run shows the new admin's password in a frame; later runs say how
to set a new one, never a password."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def ensure_admin() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out, no_color=True)
    return out.getvalue()


def test_first_run_frames_a_working_password_then_later_runs_name_changepassword():
    first = ensure_admin()
    lines = first.splitlines()
    assert lines[0] == lines[-1] and re.fullmatch(r"\+-+\+", lines[0])
    assert all(line.startswith("| ") and line.endswith("|") for line in lines[1:-1])
    assert len({len(line) for line in lines}) == 1
    password = re.search(r"password: (\S+)", first).group(1)
    assert authenticate(username="admin", password=password) is not None
    assert "manage.py changepassword admin" in first

    later = ensure_admin()
    assert password not in later
    assert len(later.splitlines()) == 1
    assert "manage.py changepassword admin" in later
