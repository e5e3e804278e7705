"""The PostgreSQL backend (hybridplan.postgresql): statements prepared on connections kept
between requests, and writes batched under the limit of server-bound parameters."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hybridplan.postgresql.base import MAX_SERVER_BOUND_PARAMETERS
from planner.models import Site

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not settings.DATABASE_PREPARED_STATEMENTS, reason="DATABASE_PREPARED_STATEMENTS=false"
    ),
]
# Columns a Site insert binds: name, description, created, last_updated.
SITE_INSERT_COLUMNS = 4


def test_a_statement_run_again_on_a_connection_is_prepared():
    for _ in range(3):
        list(Site.objects.filter(name="prepared").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "planner_site"' in statement for statement in prepared), prepared


def test_a_bulk_write_past_the_parameter_limit_goes_in_batches():
    count = MAX_SERVER_BOUND_PARAMETERS // SITE_INSERT_COLUMNS + 1
    sites = [Site(name=f"site-{index}") for index in range(count)]
    with CaptureQueriesContext(connection) as queries:
        Site.objects.bulk_create(sites)
    inserts = [query for query in queries.captured_queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 2
    assert Site.objects.count() == count
