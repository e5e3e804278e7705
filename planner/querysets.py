"""Domain queries as queryset methods: what list pages need, in a fixed number of queries."""

from django.db import models
from django.db.models import OuterRef, Subquery


class SubnetQuerySet(models.QuerySet):
    def with_observed_status(self) -> "SubnetQuerySet":
        """Annotate `observed_total`, `observed_used`, `observed_available`, `observed_at`
        from the last pulled Subnet.status of the same cluster and name (None if never)."""
        from planner.models import ObservedSubnetStatus

        status = ObservedSubnetStatus.objects.filter(
            cluster_id=OuterRef("cluster_id"), subnet_name=OuterRef("name")
        )
        return self.annotate(
            **{
                f"observed_{field}": Subquery(status.values(field)[:1])
                for field in ("total", "used", "available")
            },
            observed_at=Subquery(status.values("observed_at")[:1]),
        )


class NodeSegmentQuerySet(models.QuerySet):
    def with_utilization_data(self) -> "NodeSegmentQuerySet":
        """Prefetch what segment utilization reads: nodes, reservations, slices."""
        return self.prefetch_related("nodes", "reservations", "subnets")


class AddressPoolQuerySet(models.QuerySet):
    def with_utilization_data(self) -> "AddressPoolQuerySet":
        return self.prefetch_related("reservations", "subnets")
