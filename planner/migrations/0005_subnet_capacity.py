"""Store each Subnet's SPEC 5.1 Total, so lists read it instead of computing it per row."""

from django.db import migrations, models

from ipam.allocatable import range_total
from ipam.spec import AddressRange

BATCH = 2000


def fill_capacity(apps, schema_editor):
    subnet_model = apps.get_model("planner", "Subnet")
    subnets = list(subnet_model.objects.all())
    for subnet in subnets:
        subnet.capacity = range_total(
            AddressRange(
                version=str(subnet.family),
                cidr=subnet.cidr,
                gateway=subnet.gateway,
                start=subnet.start,
                end=subnet.end,
                reserved_ips=tuple(subnet.reserved_ips),
                exclude_ips=tuple(subnet.exclude_ips),
            )
        )
    subnet_model.objects.bulk_update(subnets, ["capacity"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("planner", "0004_subnet_cidr_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="subnet",
            name="capacity",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_capacity, migrations.RunPython.noop),
    ]
