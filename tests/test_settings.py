"""Settings come from the environment, with safe local defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "HYBRIDPLAN_CREDENTIALS_KEY",
    "HYBRIDPLAN_TOKEN_PEPPER",
    "DATABASE_PREPARED_STATEMENTS",
)
PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"], "db_name": str(s.DATABASES["default"]["NAME"]),
    "db_host": s.DATABASES["default"].get("HOST"), "debug": s.DEBUG,
    "db_options": s.DATABASES["default"].get("OPTIONS", {}),
    "hosts": s.ALLOWED_HOSTS, "broker": s.CELERY_BROKER_URL, "results": s.CELERY_RESULT_BACKEND,
    "secret": s.SECRET_KEY, "credentials_key": s.HYBRIDPLAN_CREDENTIALS_KEY,
    "token_pepper": s.HYBRIDPLAN_TOKEN_PEPPER,
}))
"""


def run_with_settings(
    tmp_path: Path, script: str, timeout_s: int = 60, **env: str
) -> subprocess.CompletedProcess:
    """`script` in a fresh Python, with the embedded defaults under `tmp_path` as var/ and
    none of the settings variables but those in `env`."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    clean.update(DJANGO_SETTINGS_MODULE="hybridplan.settings", HYBRIDPLAN_VAR_DIR=str(tmp_path))
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def load_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return run_with_settings(tmp_path, PROBE, **env)


def settings_from(tmp_path: Path, **env: str) -> dict:
    result = load_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_need_no_server_and_keep_secrets_in_var(tmp_path):
    first = settings_from(tmp_path)
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["db_name"] == str(tmp_path / "hybridplan.sqlite3")
    assert first["broker"] == "filesystem://localhost/"
    assert first["debug"] is False
    assert first["hosts"] == ["localhost", "127.0.0.1", "[::1]"]
    assert (tmp_path / "secret-key").read_text() == first["secret"]
    assert oct((tmp_path / "secret-key").stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "token-pepper").read_text() == first["token_pepper"]
    assert oct((tmp_path / "token-pepper").stat().st_mode & 0o777) == "0o600"
    # The generated secrets are kept: a restart decrypts what the last run stored, and
    # knows the API tokens it issued.
    second = settings_from(tmp_path)
    assert (second["secret"], second["credentials_key"], second["token_pepper"]) == (
        first["secret"],
        first["credentials_key"],
        first["token_pepper"],
    )


def test_var_is_private_to_its_owner(tmp_path):
    """It holds the SQLite database (password hashes, API tokens) and the secrets."""
    fresh = tmp_path / "fresh"
    settings_from(fresh)
    assert oct(fresh.stat().st_mode & 0o777) == "0o700"
    # One an older version left open to others is tightened.
    (tmp_path / "old").mkdir(mode=0o755)
    (tmp_path / "old").chmod(0o755)
    settings_from(tmp_path / "old")
    assert oct((tmp_path / "old").stat().st_mode & 0o777) == "0o700"


def test_environment_overrides(tmp_path):
    loaded = settings_from(
        tmp_path,
        DATABASE_URL="postgres://planner@db.example:5433/plans",
        REDIS_URL="redis://cache.example:6379/2",
        DEBUG="true",
        ALLOWED_HOSTS="plan.example, api.example",
        SECRET_KEY="k" * 50,
        HYBRIDPLAN_TOKEN_PEPPER="p" * 50,
    )
    assert (loaded["db_name"], loaded["db_host"]) == ("plans", "db.example")
    # PostgreSQL prepares the statements a kept connection runs again (server-side binding),
    # through the backend that batches writes under the limit of server-bound parameters.
    assert loaded["engine"] == "hybridplan.postgresql"
    assert loaded["db_options"] == {"server_side_binding": True, "prepare_threshold": 2}
    assert loaded["broker"] == loaded["results"] == "redis://cache.example:6379/2"
    assert loaded["debug"] is True
    assert loaded["hosts"] == ["plan.example", "api.example"]
    assert loaded["secret"] == "k" * 50
    assert loaded["token_pepper"] == "p" * 50
    assert not (tmp_path / "secret-key").exists()
    assert not (tmp_path / "token-pepper").exists()


def test_prepared_statements_can_be_turned_off_for_a_pooler(tmp_path):
    loaded = settings_from(
        tmp_path,
        DATABASE_URL="postgres://planner@db.example:5433/plans",
        DATABASE_PREPARED_STATEMENTS="false",
    )
    assert (loaded["engine"], loaded["db_options"]) == ("django.db.backends.postgresql", {})


def test_celery_broker_url_wins_over_redis_url(tmp_path):
    loaded = settings_from(tmp_path, REDIS_URL="redis://a:6379/0", CELERY_BROKER_URL="amqp://b//")
    assert (loaded["broker"], loaded["results"]) == ("amqp://b//", "redis://a:6379/0")


def test_a_bad_boolean_is_a_clear_error(tmp_path):
    result = load_settings(tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean (use true or false)" in result.stderr
