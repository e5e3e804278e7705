"""Nodes in the order of their unique index (segment id, address): ordered by "segment",
every read of nodes joined segments and sites to sort by their names, a carve's read of its
segment's node IPs among them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("planner", "0011_space_planned_size"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="node",
            options={"ordering": ["segment_id", "ip_key"]},
        ),
    ]
