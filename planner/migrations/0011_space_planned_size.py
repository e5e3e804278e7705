"""How many addresses a space's subnets take (`planned_size`), kept by PostgreSQL triggers
whoever writes a subnet: a service, a cascade, the admin or plain SQL, a TRUNCATE included.

A segment counts its slices' windows, a pool its blocks' CIDRs, each subnet by its foreign
key. The triggers run once per statement, over the rows it changed (transition tables): a
bulk create of 1,000 blocks updates each pool once. A list of spaces then reads their
utilization from their own rows rather than from every subnet in them (measured before:
143 ms to list pools holding 66,000 blocks).
"""

from django.db import migrations, models

# Each subnet's size, as a number (hybridplan_key_numeric, migration 0009), by space.
SIZES = {
    "planner_nodesegment": ("segment_id", "window_first_key", "window_last_key"),
    "planner_addresspool": ("pool_id", "first_key", "last_key"),
}
COLUMNS = "segment_id, pool_id, first_key, last_key, window_first_key, window_last_key"
# The rows a statement changed, signed: +1 as they are now, -1 as they were.
CHANGED = {
    "insert": f"SELECT 1 AS sign, {COLUMNS} FROM new_rows",
    "delete": f"SELECT -1 AS sign, {COLUMNS} FROM old_rows",
    "update": f"SELECT 1 AS sign, {COLUMNS} FROM new_rows "
    f"UNION ALL SELECT -1, {COLUMNS} FROM old_rows",
}
TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _add_sizes(table: str, changed: str) -> str:
    space_field, first, last = SIZES[table]
    # Spaces are locked in id order: two statements changing the same spaces never deadlock.
    return f"""
    PERFORM 1 FROM {table}
      WHERE id IN (SELECT {space_field} FROM ({changed}) AS changed)
      ORDER BY id FOR NO KEY UPDATE;
    UPDATE {table} AS space SET planned_size = space.planned_size + change.size
      FROM (SELECT {space_field} AS id,
                   sum(sign * (hybridplan_key_numeric({last})
                               - hybridplan_key_numeric({first}) + 1)) AS size
              FROM ({changed}) AS changed
             WHERE {space_field} IS NOT NULL
             GROUP BY {space_field}) AS change
     WHERE space.id = change.id AND change.size <> 0;"""


def _function(event: str) -> str:
    body = "".join(_add_sizes(table, CHANGED[event]) for table in SIZES)
    return f"""
CREATE FUNCTION hybridplan_subnets_sized_on_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
    RETURN NULL;
END $$"""


def _trigger(event: str) -> str:
    return f"""
CREATE TRIGGER hybridplan_subnets_sized_on_{event} AFTER {event.upper()} ON planner_subnet
    REFERENCING {TRANSITION_TABLES[event]}
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_sized_on_{event}()"""


def _emptied(table: str) -> str:
    return f"""
    UPDATE {table} SET planned_size = 0, free_from_key = NULL
     WHERE planned_size <> 0 OR free_from_key IS NOT NULL;"""


# A TRUNCATE of the subnets empties every space: no size left, and no hint (migration 0007)
# pointing above space that is now free.
TRUNCATED_FUNCTION = f"""
CREATE FUNCTION hybridplan_subnets_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{"".join(map(_emptied, SIZES))}
    RETURN NULL;
END $$"""
TRUNCATED_TRIGGER = """
CREATE TRIGGER hybridplan_subnets_truncated AFTER TRUNCATE ON planner_subnet
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_truncated()"""


def _backfill(table: str) -> str:
    space_field, first, last = SIZES[table]
    return f"""
UPDATE {table} AS space SET planned_size = COALESCE(
    (SELECT sum(hybridplan_key_numeric({last}) - hybridplan_key_numeric({first}) + 1)
       FROM planner_subnet WHERE {space_field} = space.id), 0)"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for event in CHANGED:
        schema_editor.execute(_function(event))
        schema_editor.execute(_trigger(event))
    schema_editor.execute(TRUNCATED_FUNCTION)
    schema_editor.execute(TRUNCATED_TRIGGER)
    for table in SIZES:
        schema_editor.execute(_backfill(table))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for event in CHANGED:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS hybridplan_subnets_sized_on_{event} ON planner_subnet"
        )
        schema_editor.execute(f"DROP FUNCTION IF EXISTS hybridplan_subnets_sized_on_{event}()")
    schema_editor.execute("DROP TRIGGER IF EXISTS hybridplan_subnets_truncated ON planner_subnet")
    schema_editor.execute("DROP FUNCTION IF EXISTS hybridplan_subnets_truncated()")


class Migration(migrations.Migration):
    dependencies = [("planner", "0010_subnet_review_index_by_cluster")]

    operations = [
        migrations.AddField(
            model_name="addresspool",
            name="planned_size",
            field=models.DecimalField(decimal_places=0, default=0, editable=False, max_digits=39),
        ),
        migrations.AddField(
            model_name="nodesegment",
            name="planned_size",
            field=models.DecimalField(decimal_places=0, default=0, editable=False, max_digits=39),
        ),
        migrations.RunPython(forwards, backwards),
    ]
