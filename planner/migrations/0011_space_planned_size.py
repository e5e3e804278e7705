"""How many addresses a space's subnets take (`planned_size`), kept by PostgreSQL triggers
whoever writes a subnet: the functions and triggers of planner/sql/space_sizes.sql.

A list of spaces reads their utilization from these sizes rather than from every subnet in
them. The subnet triggers also take over from migration 0007's row triggers the reset of
search hints when a subnet is deleted or moved, so that one statement locks the spaces it
touches in one order, segments then pools, each by id.

Migration 0013 maps the column as a model field, and runs the SQL file again.
"""

import importlib

from django.db import migrations

from planner.sql import read_sql

FREE_FROM = importlib.import_module("planner.migrations.0007_space_free_from")

ADD_COLUMNS = """
ALTER TABLE planner_nodesegment ADD COLUMN planned_size numeric NOT NULL DEFAULT 0;
ALTER TABLE planner_addresspool ADD COLUMN planned_size numeric NOT NULL DEFAULT 0;
"""

# Migration 0007's row triggers on the subnets, superseded.
DROP_SUBNET_FREED = """
DROP TRIGGER hybridplan_subnet_deleted ON planner_subnet;
DROP TRIGGER hybridplan_subnet_moved ON planner_subnet;
DROP FUNCTION IF EXISTS hybridplan_subnet_freed();
"""

# A size set to NULL is measured again from the subnets (planner/sql/space_sizes.sql).
MEASURE_ALL = """
UPDATE planner_nodesegment SET planned_size = NULL;
UPDATE planner_addresspool SET planned_size = NULL;
"""

# Everything planner/sql/space_sizes.sql makes, and the columns.
DROP = """
DROP TRIGGER IF EXISTS planner_nodesegment_size_kept ON planner_nodesegment;
DROP TRIGGER IF EXISTS planner_addresspool_size_kept ON planner_addresspool;
DROP TRIGGER IF EXISTS planner_nodesegment_sized_on_insert ON planner_nodesegment;
DROP TRIGGER IF EXISTS planner_addresspool_sized_on_insert ON planner_addresspool;
DROP TRIGGER IF EXISTS hybridplan_subnets_truncated ON planner_subnet;
DROP TRIGGER IF EXISTS hybridplan_subnets_changed_on_insert ON planner_subnet;
DROP TRIGGER IF EXISTS hybridplan_subnets_changed_on_delete ON planner_subnet;
DROP TRIGGER IF EXISTS hybridplan_subnets_changed_on_update ON planner_subnet;
DROP FUNCTION IF EXISTS planner_nodesegment_size_kept();
DROP FUNCTION IF EXISTS planner_addresspool_size_kept();
DROP FUNCTION IF EXISTS planner_nodesegment_sized_on_insert();
DROP FUNCTION IF EXISTS planner_addresspool_sized_on_insert();
DROP FUNCTION IF EXISTS hybridplan_subnets_truncated();
DROP FUNCTION IF EXISTS hybridplan_subnets_changed_on_insert();
DROP FUNCTION IF EXISTS hybridplan_subnets_changed_on_delete();
DROP FUNCTION IF EXISTS hybridplan_subnets_changed_on_update();
DROP FUNCTION IF EXISTS hybridplan_segment_measured_size(bigint);
DROP FUNCTION IF EXISTS hybridplan_pool_measured_size(bigint);
ALTER TABLE planner_nodesegment DROP COLUMN planned_size;
ALTER TABLE planner_addresspool DROP COLUMN planned_size;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SUBNET_FREED)
        schema_editor.execute(ADD_COLUMNS)
        schema_editor.execute(read_sql("space_sizes"))
        schema_editor.execute(MEASURE_ALL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(FREE_FROM.SUBNET_FREED)


class Migration(migrations.Migration):
    dependencies = [("planner", "0010_subnet_review_index_by_cluster")]

    operations = [migrations.RunPython(forwards, backwards)]
