"""Where a first-fit carve of a segment or pool starts searching (`free_from_key`), and the
PostgreSQL triggers that reset it when anything below it is freed, whoever frees it: a
service, a cascade, the admin or plain SQL.

What a space holds as taken (planner.services.space): for a segment, the windows of every
subnet in its range, its nodes' addresses, its reservations and its gateway; for a pool, the
CIDRs of every subnet in its range and its reservations. A hint reset to NULL makes the next
carve search from the bottom again, and set the hint anew.
"""

from django.db import migrations, models

# Row triggers on the subnets, replaced by migration 0011's statement triggers (which
# recreate these when migrated backwards).
SUBNET_FREED = """
CREATE FUNCTION hybridplan_subnet_freed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE planner_nodesegment SET free_from_key = NULL
     WHERE free_from_key IS NOT NULL AND family = OLD.family
       AND OLD.window_first_key < free_from_key AND OLD.window_last_key >= first_key;
    UPDATE planner_addresspool SET free_from_key = NULL
     WHERE free_from_key IS NOT NULL AND family = OLD.family
       AND OLD.first_key < free_from_key AND OLD.last_key >= first_key;
    RETURN NULL;
END $$;

CREATE TRIGGER hybridplan_subnet_deleted AFTER DELETE ON planner_subnet
    FOR EACH ROW EXECUTE FUNCTION hybridplan_subnet_freed();
CREATE TRIGGER hybridplan_subnet_moved AFTER UPDATE ON planner_subnet
    FOR EACH ROW WHEN (OLD.first_key IS DISTINCT FROM NEW.first_key
                       OR OLD.last_key IS DISTINCT FROM NEW.last_key
                       OR OLD.window_first_key IS DISTINCT FROM NEW.window_first_key
                       OR OLD.window_last_key IS DISTINCT FROM NEW.window_last_key)
    EXECUTE FUNCTION hybridplan_subnet_freed();
"""

FUNCTIONS = """
CREATE FUNCTION hybridplan_node_freed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE planner_nodesegment SET free_from_key = NULL
     WHERE id = OLD.segment_id AND OLD.ip_key < free_from_key;
    RETURN NULL;
END $$;

CREATE FUNCTION hybridplan_reservation_freed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE planner_nodesegment SET free_from_key = NULL
     WHERE id = OLD.segment_id AND OLD.start_key < free_from_key;
    UPDATE planner_addresspool SET free_from_key = NULL
     WHERE id = OLD.pool_id AND OLD.start_key < free_from_key;
    RETURN NULL;
END $$;

CREATE FUNCTION hybridplan_space_reshaped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.free_from_key := NULL;
    RETURN NEW;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER hybridplan_node_deleted AFTER DELETE ON planner_node
    FOR EACH ROW EXECUTE FUNCTION hybridplan_node_freed();
CREATE TRIGGER hybridplan_node_moved AFTER UPDATE ON planner_node
    FOR EACH ROW WHEN (OLD.ip_key IS DISTINCT FROM NEW.ip_key
                       OR OLD.segment_id IS DISTINCT FROM NEW.segment_id)
    EXECUTE FUNCTION hybridplan_node_freed();

CREATE TRIGGER hybridplan_reservation_deleted AFTER DELETE ON planner_reservation
    FOR EACH ROW EXECUTE FUNCTION hybridplan_reservation_freed();
CREATE TRIGGER hybridplan_reservation_changed AFTER UPDATE ON planner_reservation
    FOR EACH ROW WHEN (OLD.start_key IS DISTINCT FROM NEW.start_key
                       OR OLD.end_key IS DISTINCT FROM NEW.end_key
                       OR OLD.kind IS DISTINCT FROM NEW.kind
                       OR OLD.segment_id IS DISTINCT FROM NEW.segment_id
                       OR OLD.pool_id IS DISTINCT FROM NEW.pool_id)
    EXECUTE FUNCTION hybridplan_reservation_freed();

CREATE TRIGGER hybridplan_segment_reshaped BEFORE UPDATE ON planner_nodesegment
    FOR EACH ROW WHEN (OLD.first_key IS DISTINCT FROM NEW.first_key
                       OR OLD.last_key IS DISTINCT FROM NEW.last_key
                       OR OLD.gateway IS DISTINCT FROM NEW.gateway)
    EXECUTE FUNCTION hybridplan_space_reshaped();
CREATE TRIGGER hybridplan_pool_reshaped BEFORE UPDATE ON planner_addresspool
    FOR EACH ROW WHEN (OLD.first_key IS DISTINCT FROM NEW.first_key
                       OR OLD.last_key IS DISTINCT FROM NEW.last_key)
    EXECUTE FUNCTION hybridplan_space_reshaped();
"""

DROP = """
DROP TRIGGER IF EXISTS hybridplan_subnet_deleted ON planner_subnet;
DROP TRIGGER IF EXISTS hybridplan_subnet_moved ON planner_subnet;
DROP TRIGGER IF EXISTS hybridplan_node_deleted ON planner_node;
DROP TRIGGER IF EXISTS hybridplan_node_moved ON planner_node;
DROP TRIGGER IF EXISTS hybridplan_reservation_deleted ON planner_reservation;
DROP TRIGGER IF EXISTS hybridplan_reservation_changed ON planner_reservation;
DROP TRIGGER IF EXISTS hybridplan_segment_reshaped ON planner_nodesegment;
DROP TRIGGER IF EXISTS hybridplan_pool_reshaped ON planner_addresspool;
DROP FUNCTION IF EXISTS hybridplan_subnet_freed();
DROP FUNCTION IF EXISTS hybridplan_node_freed();
DROP FUNCTION IF EXISTS hybridplan_reservation_freed();
DROP FUNCTION IF EXISTS hybridplan_space_reshaped();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SUBNET_FREED)
        schema_editor.execute(FUNCTIONS)
        schema_editor.execute(TRIGGERS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("planner", "0006_subnet_order_by_index")]

    operations = [
        migrations.AddField(
            model_name="addresspool",
            name="free_from_key",
            field=models.BinaryField(max_length=17, null=True),
        ),
        migrations.AddField(
            model_name="nodesegment",
            name="free_from_key",
            field=models.BinaryField(max_length=17, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
