"""How many addresses a space's subnets take (`planned_size`), kept by PostgreSQL triggers
whoever writes a subnet: a service, a cascade, the admin, a fixture or plain SQL, a
TRUNCATE included.

A segment counts its slices' windows, a pool its blocks' CIDRs, each subnet by its foreign
key. A list of spaces reads their utilization from these sizes rather than from every
subnet in them (measured before: 143 ms to list pools holding 66,000 blocks). The column
is no model field: Django never writes it, so no save, fixture or dump can set it wrong.

The triggers run once per statement, over the rows it changed (transition tables): a bulk
create of 1,000 blocks updates each pool once. They also take over from migration 0007's
row triggers the reset of search hints when a subnet is deleted or moved, so that one
statement locks the spaces it touches in one order, segments then pools, each by id, the
order every writer of several spaces takes (planner.services.subnets): two such writers
never deadlock.
"""

import importlib

from django.db import migrations

FREE_FROM = importlib.import_module("planner.migrations.0007_space_free_from")

# Per space table: its subnets' foreign key, and the keys of the range each subnet takes.
SPACES = {
    "planner_nodesegment": ("segment_id", "window_first_key", "window_last_key"),
    "planner_addresspool": ("pool_id", "first_key", "last_key"),
}
KEYS = ("first_key", "last_key", "window_first_key", "window_last_key")
FIELDS = ("id", "family", "segment_id", "pool_id", *KEYS)


def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{field}" for field in FIELDS)


def _differ(fields: tuple[str, ...]) -> str:
    # Rows as they were (was) and are (now): not old and new, PL/pgSQL's own variables.
    was = ", ".join(f"was.{field}" for field in fields)
    now = ", ".join(f"now.{field}" for field in fields)
    return f"({was}) IS DISTINCT FROM ({now})"


BOTH = "old_rows AS was JOIN new_rows AS now ON now.id = was.id"
# Updated rows that moved (other keys or another space): an edit of anything else, a
# description say, locks no space.
MOVED = f"{BOTH} WHERE {_differ(('segment_id', 'pool_id', *KEYS))}"
# The rows a statement changed, signed: +1 as they are now, -1 as they were.
CHANGED = {
    "insert": f"SELECT 1 AS sign, {_columns('now')} FROM new_rows AS now",
    "delete": f"SELECT -1 AS sign, {_columns('was')} FROM old_rows AS was",
    "update": f"SELECT 1 AS sign, {_columns('now')} FROM {MOVED} "
    f"UNION ALL SELECT -1, {_columns('was')} FROM {MOVED}",
}
# The ranges a statement freed, which reset the hints above them (migration 0007): deleted
# rows, and moved rows as they were (migration 0007 asked for other keys only).
FREED = {
    "insert": None,
    "delete": f"SELECT {_columns('was')} FROM old_rows AS was",
    "update": f"SELECT {_columns('was')} FROM {BOTH} WHERE {_differ(KEYS)}",
}
TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _below_hint(freed: str, table: str) -> str:
    """Whether `freed` frees anything of the space below its hint (migration 0007's test)."""
    _, first, last = SPACES[table]
    return f"""(space.free_from_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM ({freed}) AS freed
         WHERE freed.family = space.family AND freed.{first} < space.free_from_key
           AND freed.{last} >= space.first_key))"""


def _statements(event: str, table: str) -> str:
    space_field, first, last = SPACES[table]
    changed, freed = CHANGED[event], FREED[event]
    touched = f"space.id IN (SELECT {space_field} FROM ({changed}) AS changed)"
    if freed is not None:
        touched = f"{touched} OR {_below_hint(freed, table)}"
    statements = f"""
    PERFORM 1 FROM {table} AS space WHERE {touched} ORDER BY space.id FOR NO KEY UPDATE;
    UPDATE {table} AS space SET planned_size = space.planned_size + change.size
      FROM (SELECT {space_field} AS id,
                   sum(sign * (hybridplan_key_numeric({last})
                               - hybridplan_key_numeric({first}) + 1)) AS size
              FROM ({changed}) AS changed
             WHERE {space_field} IS NOT NULL
             GROUP BY {space_field}) AS change
     WHERE space.id = change.id AND change.size <> 0;"""
    if freed is not None:
        statements += f"""
    UPDATE {table} AS space SET free_from_key = NULL WHERE {_below_hint(freed, table)};"""
    return statements


def _function(event: str) -> str:
    # Segments first, then pools: the order of SPACES.
    body = "".join(_statements(event, table) for table in SPACES)
    return f"""
CREATE FUNCTION hybridplan_subnets_changed_on_{event}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN{body}
    RETURN NULL;
END $$"""


def _trigger(event: str) -> str:
    return f"""
CREATE TRIGGER hybridplan_subnets_changed_on_{event} AFTER {event.upper()} ON planner_subnet
    REFERENCING {TRANSITION_TABLES[event]}
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_changed_on_{event}()"""


def _emptied(table: str) -> str:
    return f"""
    UPDATE {table} SET planned_size = 0, free_from_key = NULL
     WHERE planned_size <> 0 OR free_from_key IS NOT NULL;"""


# A TRUNCATE of the subnets empties every space: no size left, and no hint pointing above
# space that is now free.
TRUNCATED_FUNCTION = f"""
CREATE FUNCTION hybridplan_subnets_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{"".join(map(_emptied, SPACES))}
    RETURN NULL;
END $$"""
TRUNCATED_TRIGGER = """
CREATE TRIGGER hybridplan_subnets_truncated AFTER TRUNCATE ON planner_subnet
    FOR EACH STATEMENT EXECUTE FUNCTION hybridplan_subnets_truncated()"""


def _measured(table: str, space: str) -> str:
    """The size of the space `space` (an expression naming its id) from its subnets."""
    space_field, first, last = SPACES[table]
    return f"""COALESCE(
    (SELECT sum(hybridplan_key_numeric({last}) - hybridplan_key_numeric({first}) + 1)
       FROM planner_subnet WHERE {space_field} = {space}), 0)"""


def _sized_on_insert(table: str) -> list[str]:
    """A space inserted after subnets naming it (a fixture loaded in any order, its foreign
    keys checked at commit) starts with their size."""
    return [
        f"""
CREATE FUNCTION {table}_sized_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.planned_size := {_measured(table, "NEW.id")};
    RETURN NEW;
END $$""",
        f"""
CREATE TRIGGER {table}_sized_on_insert BEFORE INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_sized_on_insert()""",
    ]


# Migration 0007's triggers that reset hints row by row, superseded by the ones above.
ROW_TRIGGERS = ("hybridplan_subnet_deleted", "hybridplan_subnet_moved")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    for trigger in ROW_TRIGGERS:
        run(f"DROP TRIGGER {trigger} ON planner_subnet")
    run("DROP FUNCTION hybridplan_subnet_freed()")
    for table in SPACES:
        run(f"ALTER TABLE {table} ADD COLUMN planned_size numeric NOT NULL DEFAULT 0")
        run(f"UPDATE {table} AS space SET planned_size = {_measured(table, 'space.id')}")
        for statement in _sized_on_insert(table):
            run(statement)
    for event in CHANGED:
        run(_function(event))
        run(_trigger(event))
    run(TRUNCATED_FUNCTION)
    run(TRUNCATED_TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("DROP TRIGGER hybridplan_subnets_truncated ON planner_subnet")
    run("DROP FUNCTION hybridplan_subnets_truncated()")
    for event in CHANGED:
        run(f"DROP TRIGGER hybridplan_subnets_changed_on_{event} ON planner_subnet")
        run(f"DROP FUNCTION hybridplan_subnets_changed_on_{event}()")
    for table in SPACES:
        run(f"DROP TRIGGER {table}_sized_on_insert ON {table}")
        run(f"DROP FUNCTION {table}_sized_on_insert()")
        run(f"ALTER TABLE {table} DROP COLUMN planned_size")
    # Migration 0007's function and its two subnet triggers, as it made them.
    run(FREE_FROM.FUNCTIONS.split("CREATE FUNCTION hybridplan_node_freed")[0])
    for statement in FREE_FROM.TRIGGERS.split(";"):
        if any(f"CREATE TRIGGER {trigger} " in statement for trigger in ROW_TRIGGERS):
            run(statement)


class Migration(migrations.Migration):
    dependencies = [("planner", "0010_subnet_review_index_by_cluster")]

    operations = [migrations.RunPython(forwards, backwards)]
