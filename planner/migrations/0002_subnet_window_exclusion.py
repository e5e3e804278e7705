"""PostgreSQL backstop: no two subnet windows may overlap, whatever a caller forgot.

The 17-byte keys (family, then 16 bytes big-endian) read as one big number put every IPv4
window below every IPv6 window, so one numeric range per window covers both families.
Other databases rely on the carving services' row locks alone.
"""

from django.db import migrations

KEY_TO_NUMERIC = """
CREATE OR REPLACE FUNCTION hybridplan_key_numeric(key bytea) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT COALESCE(sum(get_byte(key, i)::numeric * (256::numeric ^ (length(key) - 1 - i))), 0)
    FROM generate_series(0, length(key) - 1) AS i
$$;
"""
ADD_CONSTRAINT = """
ALTER TABLE planner_subnet ADD CONSTRAINT subnet_windows_never_overlap EXCLUDE USING gist (
    numrange(hybridplan_key_numeric(window_first_key),
             hybridplan_key_numeric(window_last_key), '[]') WITH &&
);
"""
DROP = """
ALTER TABLE planner_subnet DROP CONSTRAINT IF EXISTS subnet_windows_never_overlap;
DROP FUNCTION IF EXISTS hybridplan_key_numeric(bytea);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(KEY_TO_NUMERIC)
        schema_editor.execute(ADD_CONSTRAINT)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("planner", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
