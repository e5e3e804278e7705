"""The JSON fields are read with orjson (planner.fields.OrjsonField): nothing changes in the
database."""

import planner.fields
import planner.validators
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("planner", "0007_space_free_from"),
    ]

    operations = [
        migrations.AlterField(
            model_name="network",
            name="bgp_peers",
            field=planner.fields.OrjsonField(blank=True, default=list, verbose_name="BGP peers"),
        ),
        migrations.AlterField(
            model_name="network",
            name="node_selector",
            field=planner.fields.OrjsonField(
                blank=True, default=dict, validators=[planner.validators.validate_labels]
            ),
        ),
        migrations.AlterField(
            model_name="node",
            name="labels",
            field=planner.fields.OrjsonField(
                blank=True, default=dict, validators=[planner.validators.validate_labels]
            ),
        ),
        migrations.AlterField(
            model_name="subnet",
            name="exclude_ips",
            field=planner.fields.OrjsonField(blank=True, default=list, verbose_name="excludeIPs"),
        ),
        migrations.AlterField(
            model_name="subnet",
            name="reserved_ips",
            field=planner.fields.OrjsonField(blank=True, default=list, verbose_name="reservedIPs"),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="summary",
            field=planner.fields.OrjsonField(blank=True, default=dict),
        ),
    ]
