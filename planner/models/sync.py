"""The record of each sync run against a cluster, and what it did to each object."""

from django.conf import settings
from django.db import models

from planner.choices import SyncActionChoices, SyncOutcomeChoices, SyncStateChoices
from planner.constants import K8S_NAME_MAX_LENGTH
from planner.models.clusters import Cluster

KIND_MAX_LENGTH = 40
ACTIVE_STATES = [SyncStateChoices.QUEUED, SyncStateChoices.RUNNING]
# Actions of which a cluster has at most one queued or running.
EXCLUSIVE_ACTIONS = [SyncActionChoices.APPLY, SyncActionChoices.PULL]


class SyncRun(models.Model):
    """One test, plan, apply, pull or adopt against a cluster, with what it did."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="sync_runs")
    action = models.CharField(max_length=20, choices=SyncActionChoices.choices)
    state = models.CharField(
        max_length=20, choices=SyncStateChoices.choices, default=SyncStateChoices.QUEUED
    )
    # Who asked for it; empty for a scheduled run.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress while it runs: objects done out of total (total unknown until it is counted).
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    # Refreshed while it runs: a run whose heartbeat stopped lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["cluster", "-created"])]
        # One apply per cluster at a time, whichever worker or web process asks; one pull
        # too (a pull removes what it did not see since it started: two would race).
        constraints = [
            models.UniqueConstraint(
                fields=["cluster"],
                condition=models.Q(action=action, state__in=ACTIVE_STATES),
                name=f"one_active_{action}_per_cluster",
            )
            for action in EXCLUSIVE_ACTIONS
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.cluster} ({self.state})"


class SyncRunResult(models.Model):
    """What one run did to one object: a Network, Subnet, Node or IPInstance."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="results")
    kind = models.CharField(max_length=KIND_MAX_LENGTH)
    namespace = models.CharField(max_length=K8S_NAME_MAX_LENGTH, blank=True)
    name = models.CharField(max_length=K8S_NAME_MAX_LENGTH)
    outcome = models.CharField(max_length=20, choices=SyncOutcomeChoices.choices)
    # The cluster's own text for a denial, conflict or failure; the reason for a skip.
    message = models.TextField(blank=True)
    # Fields before and after, {field: {"before": ..., "after": ...}}, where that applies.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.outcome}"
