"""Django's PostgreSQL backend, for parameters bound on the server (prepared statements).

Bound on the server, a statement carries at most 65,535 parameters (the protocol's count
is 16 bits); Django's own PostgreSQL backend binds on the client, knows no limit, and
would send a 5,000-row bulk insert whole. Declaring the limit makes Django split bulk
inserts, bulk updates, cascading deletes and in_bulk() into batches under it, as it does
for SQLite and Oracle.
"""

from django.db.backends.postgresql import base, features, operations
from django.db.models import CompositePrimaryKey

# Parameters in one statement bound on the server: a 16-bit count.
MAX_SERVER_BOUND_PARAMETERS = 2**16 - 1


class DatabaseFeatures(features.DatabaseFeatures):
    @property
    def max_query_params(self) -> int | None:
        return MAX_SERVER_BOUND_PARAMETERS if self.uses_server_side_binding else None


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs) -> int:
        limit = self.connection.features.max_query_params
        columns = sum(
            len(field.fields) if isinstance(field, CompositePrimaryKey) else 1 for field in fields
        )
        if limit is None or not columns:
            return super().bulk_batch_size(fields, objs)
        return limit // columns


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
