"""The (family, first_key, last_key) index of Subnets ends with window_first_key: a list
sorted by CIDR reads a page from it in one total order, the slices of a segment (which share
its CIDR) by where their windows start, rather than sorting every slice of that CIDR."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('planner', '0023_change_token'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='subnet',
            index=models.Index(fields=['family', 'first_key', 'last_key', 'window_first_key'], name='planner_sub_family_b1a943_idx'),
        ),
        migrations.RemoveIndex(
            model_name='subnet',
            name='planner_sub_family_0cbed2_idx',
        ),
    ]
