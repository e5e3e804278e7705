"""How PostgreSQL timestamps are read: Django's loader parses each one in pure Python
(psycopg's C loader cannot be subclassed to carry Django's zone), about 4 µs a value; a page
of 1,000 subnets holds 2,000. This loader hands the text to `datetime.fromisoformat`, which
is C, and labels the result exactly as Django's does."""

from datetime import datetime
from functools import cache

from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format


class IsoTimestamptzLoader(BaseTzLoader):
    """Django's loader, with the parse in C for the ISO text PostgreSQL writes by default
    ("2026-11-27 00:31:22.123456+00"). Anything else (another DateStyle, infinity, years
    BC) goes to Django's own parse."""

    def load(self, data) -> datetime:
        try:
            value = datetime.fromisoformat(bytes(data).decode())
        except ValueError:
            return super().load(data)
        # As Django: the session zone's wall time, labelled with the connection's zone.
        return value.replace(tzinfo=self.timezone)


@cache
def iso_loader(timezone) -> type[IsoTimestamptzLoader]:
    return type("IsoTimestamptzLoader", (IsoTimestamptzLoader,), {"timezone": timezone})


def use_iso_timestamp_loader(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: swap Django's timestamptz loader on a new PostgreSQL
    connection for the ISO one, keeping the zone Django gave it."""
    if connection.vendor != "postgresql":
        return
    adapters = connection.connection.adapters
    django_loader = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
    adapters.register_loader("timestamptz", iso_loader(django_loader.timezone))
