"""`planned_size` becomes a read-only model field of segments and pools.

On PostgreSQL the column exists (migration 0011): it takes the field's type, and the SQL of
planner/sql/space_sizes.sql runs again, which measures sizes by one function per kind of
space and keeps them from any write but its triggers'. Elsewhere no trigger keeps the
column: it is added, and stays NULL.
"""

from django.db import migrations, models

from planner.sql import read_sql

SPACE_MODELS = ("NodeSegment", "AddressPool")

AS_FIELD = """
ALTER TABLE {table}
    ALTER COLUMN planned_size TYPE numeric(39, 0),
    ALTER COLUMN planned_size DROP DEFAULT,
    ALTER COLUMN planned_size DROP NOT NULL;
"""
AS_COLUMN = """
ALTER TABLE {table}
    ALTER COLUMN planned_size TYPE numeric,
    ALTER COLUMN planned_size SET DEFAULT 0,
    ALTER COLUMN planned_size SET NOT NULL;
"""


def planned_size_field() -> models.DecimalField:
    return models.DecimalField(
        decimal_places=0,
        editable=False,
        help_text="Addresses inside the space's subnets, kept by PostgreSQL triggers "
        "(planner/sql/space_sizes.sql); NULL on other databases.",
        max_digits=39,
        null=True,
    )


def forwards(apps, schema_editor):
    for name in SPACE_MODELS:
        model = apps.get_model("planner", name)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(AS_FIELD.format(table=model._meta.db_table))
        else:
            schema_editor.add_field(model, model._meta.get_field("planned_size"))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(read_sql("space_sizes"))


def backwards(apps, schema_editor):
    for name in SPACE_MODELS:
        model = apps.get_model("planner", name)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(AS_COLUMN.format(table=model._meta.db_table))
        else:
            schema_editor.remove_field(model, model._meta.get_field("planned_size"))


class Migration(migrations.Migration):
    dependencies = [("planner", "0012_node_order_by_segment_id")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name=name.lower(), name="planned_size", field=planned_size_field()
                )
                for name in SPACE_MODELS
            ]
        ),
        migrations.RunPython(forwards, backwards),
    ]
