"""A new Subnet's review reads its cluster's Subnets in a span: an index by cluster, family
and first key serves it, where the planner scanned every Subnet of the cluster. The
cluster's own index goes: the unique (cluster, name) and this one both lead with it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('planner', '0009_window_exclusion_per_family'),
    ]

    operations = [
        migrations.AlterField(
            model_name='subnet',
            name='cluster',
            field=models.ForeignKey(db_index=False, editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='subnets', to='planner.cluster'),
        ),
        migrations.AddIndex(
            model_name='subnet',
            index=models.Index(fields=['cluster', 'family', 'first_key'], name='planner_sub_cluster_43a384_idx'),
        ),
    ]
