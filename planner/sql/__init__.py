"""The PostgreSQL functions and triggers of the planner, as SQL files the migrations run."""

from pathlib import Path

SQL_DIRECTORY = Path(__file__).parent


def read_sql(name: str) -> str:
    """The statements of `name`.sql in this directory."""
    return (SQL_DIRECTORY / f"{name}.sql").read_text()
