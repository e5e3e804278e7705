"""The PostgreSQL backstop against overlapping windows, cheaper to keep: one exclusion
constraint per family instead of one numeric range over both.

The old constraint turned the key into a number by summing its 17 bytes through
generate_series, and its GiST index compared 39-digit numerics. IPv4 windows now use an
int8range (an IPv4 address is the key's last 4 bytes) and other windows a numrange built
from two 8-byte halves.
"""

from django.db import migrations

# Of a 17-byte key (planner.addressing.address_key): the family, then 16 bytes big-endian.
# One statement per string: server-side binding runs one statement at a time.
KEY_TO_NUMERIC_FAST = """
CREATE OR REPLACE FUNCTION hybridplan_key_numeric(key bytea) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT get_byte(key, 0)::numeric * 340282366920938463463374607431768211456
        + mod(('x' || encode(substring(key FROM 2 FOR 8), 'hex'))::bit(64)::bigint::numeric
              + 18446744073709551616, 18446744073709551616) * 18446744073709551616
        + mod(('x' || encode(substring(key FROM 10 FOR 8), 'hex'))::bit(64)::bigint::numeric
              + 18446744073709551616, 18446744073709551616)
$$
"""
KEY_TO_IPV4 = """
CREATE OR REPLACE FUNCTION hybridplan_key_ipv4(key bytea) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ('x' || encode(substring(key FROM 14 FOR 4), 'hex'))::bit(32)::bigint
        & 4294967295
$$
"""
PER_FAMILY = [
    "ALTER TABLE planner_subnet DROP CONSTRAINT subnet_windows_never_overlap",
    """
ALTER TABLE planner_subnet ADD CONSTRAINT subnet_ipv4_windows_never_overlap
    EXCLUDE USING gist (
        int8range(hybridplan_key_ipv4(window_first_key),
                  hybridplan_key_ipv4(window_last_key), '[]') WITH &&
    ) WHERE (family = 4)
""",
    """
ALTER TABLE planner_subnet ADD CONSTRAINT subnet_ipv6_windows_never_overlap
    EXCLUDE USING gist (
        numrange(hybridplan_key_numeric(window_first_key),
                 hybridplan_key_numeric(window_last_key), '[]') WITH &&
    ) WHERE (family <> 4)
""",
]
# Back to 0002's constraint and function.
ONE_FOR_BOTH = [
    "ALTER TABLE planner_subnet DROP CONSTRAINT subnet_ipv4_windows_never_overlap",
    "ALTER TABLE planner_subnet DROP CONSTRAINT subnet_ipv6_windows_never_overlap",
    "DROP FUNCTION hybridplan_key_ipv4(bytea)",
    """
CREATE OR REPLACE FUNCTION hybridplan_key_numeric(key bytea) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(sum(get_byte(key, i)::numeric * (256::numeric ^ (length(key) - 1 - i))), 0)
    FROM generate_series(0, length(key) - 1) AS i
$$
""",
    """
ALTER TABLE planner_subnet ADD CONSTRAINT subnet_windows_never_overlap EXCLUDE USING gist (
    numrange(hybridplan_key_numeric(window_first_key),
             hybridplan_key_numeric(window_last_key), '[]') WITH &&
)
""",
]


def _run(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, [KEY_TO_NUMERIC_FAST, KEY_TO_IPV4, *PER_FAMILY])


def backwards(apps, schema_editor):
    _run(schema_editor, ONE_FOR_BOTH)


class Migration(migrations.Migration):
    dependencies = [("planner", "0007_space_free_from")]
    operations = [migrations.RunPython(forwards, backwards)]
