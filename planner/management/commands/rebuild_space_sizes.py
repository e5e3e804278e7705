"""python manage.py rebuild_space_sizes: every segment's and pool's planned size measured
again from its subnets, and every free-space search hint reset, as NetBox's
rebuild_prefixes rebuilds its prefix tree.

The PostgreSQL triggers keep both whoever writes a subnet; only a write that bypassed them
can leave them wrong: a data-only restore with triggers disabled (pg_restore
--disable-triggers), or plain SQL run as a replica (session_replication_role)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from planner.models import AddressPool, NodeSegment
from planner.querysets import triggers_keep_spaces

# Segments, then pools: the order in which every writer of several spaces locks them.
SPACE_MODELS = (NodeSegment, AddressPool)


class Command(BaseCommand):
    help = (
        "Measure every segment's and pool's planned size again from its subnets, and reset "
        "the free-space search hints (PostgreSQL; nothing to do elsewhere)."
    )

    def handle(self, *args, **options) -> None:
        if not triggers_keep_spaces():
            self.stdout.write(
                "Nothing to rebuild: planned sizes and search hints are kept only on "
                "PostgreSQL. This database keeps none; utilization measures from the subnets."
            )
            return
        with transaction.atomic():
            # Every space locked before any is measured: a carve committed meanwhile is
            # measured, one still running adds its subnets to the measured size after us.
            kept = {
                model: dict(
                    model.objects.select_for_update(no_key=True)
                    .order_by("pk")
                    .values_list("pk", "planned_size")
                )
                for model in SPACE_MODELS
            }
            for model in SPACE_MODELS:
                self._rebuild(model, kept[model])

    def _rebuild(self, model, kept: dict) -> None:
        hinted = model.objects.exclude(free_from_key=None).count()
        # A size set to None is measured again from the subnets (planner/sql/space_sizes.sql).
        model.objects.update(planned_size=None, free_from_key=None)
        measured = dict(model.objects.values_list("pk", "planned_size"))
        wrong = {pk for pk, size in kept.items() if measured[pk] != size}
        for space in model.objects.filter(pk__in=wrong).order_by("pk"):
            self.stdout.write(
                f"{model._meta.verbose_name} {space}: planned size {kept[space.pk]} "
                f"repaired to {measured[space.pk]}"
            )
        plural = model._meta.verbose_name_plural
        self.stdout.write(
            self.style.SUCCESS(
                f"{plural}: {len(wrong)} of {len(kept)} planned sizes repaired, "
                f"{hinted} search hints reset"
            )
        )
