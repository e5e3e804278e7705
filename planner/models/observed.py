"""What sync reads back from clusters."""

from django.db import models

from planner.addressing import address_key, parse_address
from planner.constants import ADDRESS_TEXT_MAX_LENGTH, K8S_NAME_MAX_LENGTH
from planner.models.base import address_key_field
from planner.models.clusters import Cluster


class ObservedIPInstance(models.Model):
    """One IPInstance as last pulled from a cluster (read-only: Hybridnet owns it)."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="ip_instances")
    namespace = models.CharField(max_length=K8S_NAME_MAX_LENGTH)
    name = models.CharField(max_length=K8S_NAME_MAX_LENGTH)
    ip = models.CharField("IP address", max_length=ADDRESS_TEXT_MAX_LENGTH)
    ip_key = address_key_field()
    subnet_name = models.CharField(max_length=K8S_NAME_MAX_LENGTH)
    network_name = models.CharField(max_length=K8S_NAME_MAX_LENGTH)
    pod_name = models.CharField(max_length=K8S_NAME_MAX_LENGTH, blank=True)
    node_name = models.CharField(max_length=K8S_NAME_MAX_LENGTH, blank=True)
    # Empty binding.nodeName: the pod is gone but its address is kept for it (SPEC 2.3).
    reserved = models.BooleanField(default=False)
    observed_at = models.DateTimeField()

    class Meta:
        verbose_name = "observed IP instance"
        ordering = ["cluster", "ip_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "namespace", "name"], name="observed_ipinstance_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["cluster", "subnet_name"]),
            models.Index(fields=["cluster", "ip_key"]),
            # The lookup across every cluster: by address, or by pod name.
            models.Index(fields=["ip_key"]),
            models.Index(fields=["pod_name"]),
            # A pull removes what it did not see, by its start time, in one statement.
            models.Index(fields=["cluster", "observed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.cluster}/{self.namespace}/{self.name}"

    def save(self, *args, **kwargs):
        # bulk_create skips this: bulk writers set ip_key themselves.
        address = parse_address(self.ip)
        self.ip_key = address_key(address.family, address.value)
        super().save(*args, **kwargs)


class ObservedSubnetStatus(models.Model):
    """Subnet.status as last pulled from a cluster."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="subnet_statuses")
    subnet_name = models.CharField(max_length=K8S_NAME_MAX_LENGTH)
    total = models.BigIntegerField()
    used = models.BigIntegerField()
    available = models.BigIntegerField()
    last_allocated_ip = models.CharField(max_length=ADDRESS_TEXT_MAX_LENGTH, blank=True)
    observed_at = models.DateTimeField()

    class Meta:
        verbose_name = "observed subnet status"
        verbose_name_plural = "observed subnet statuses"
        ordering = ["cluster", "subnet_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "subnet_name"], name="observed_subnet_status_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster}/{self.subnet_name}: {self.used}/{self.total}"


class ObservedObject(models.Model):
    """A cluster-scoped object as last pulled: its name, its labels, when it was seen."""

    name = models.CharField(max_length=K8S_NAME_MAX_LENGTH)
    labels = models.JSONField(default=dict, blank=True)
    observed_at = models.DateTimeField()

    class Meta:
        abstract = True
        ordering = ["cluster", "name"]

    def __str__(self) -> str:
        return f"{self.cluster}/{self.name}"


def unique_per_cluster(model_name: str) -> list[models.UniqueConstraint]:
    """One row per cluster and name: what a pull upserts on."""
    return [models.UniqueConstraint(fields=["cluster", "name"], name=f"{model_name}_unique")]


class ObservedNetwork(ObservedObject):
    """A Network as last pulled: spec and status as the cluster holds them, so that drift
    compares them with the plan."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="observed_networks")
    spec = models.JSONField(default=dict)
    status = models.JSONField(default=dict, blank=True)

    class Meta(ObservedObject.Meta):
        verbose_name = "observed network"
        constraints = unique_per_cluster("observed_network")


class ObservedSubnet(ObservedObject):
    """A Subnet's spec as last pulled; its status is in ObservedSubnetStatus, which
    utilization reads."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="observed_subnets")
    network_name = models.CharField(max_length=K8S_NAME_MAX_LENGTH, blank=True)
    spec = models.JSONField(default=dict)

    class Meta(ObservedObject.Meta):
        verbose_name = "observed subnet"
        constraints = unique_per_cluster("observed_subnet")


class ObservedNode(ObservedObject):
    """A Node as last pulled: its InternalIP addresses (canonical text) and labels."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="observed_nodes")
    internal_ips = models.JSONField("InternalIP addresses", default=list, blank=True)

    class Meta(ObservedObject.Meta):
        verbose_name = "observed node"
        constraints = unique_per_cluster("observed_node")
