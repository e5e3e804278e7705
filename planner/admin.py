"""Django admin for every planner model: list columns, filters and search."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from guardian.admin import GuardedModelAdmin
from rest_framework.authtoken.models import TokenProxy

from planner import models
from planner.roles import limited_clusters, roles_of


@admin.register(models.Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "description"]


class ReservationInline(admin.TabularInline):
    model = models.Reservation
    fields = ["start", "end", "kind", "note"]
    extra = 0


@admin.register(models.NodeSegment)
class NodeSegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "cidr", "gateway", "vlan_id", "family"]
    list_filter = ["site", "family"]
    search_fields = ["name", "cidr", "description"]
    inlines = [ReservationInline]


@admin.register(models.AddressPool)
class AddressPoolAdmin(admin.ModelAdmin):
    list_display = ["name", "cidr", "purpose", "site", "family"]
    list_filter = ["purpose", "site", "family"]
    search_fields = ["name", "cidr", "description"]
    inlines = [ReservationInline]


@admin.register(models.Node)
class NodeAdmin(admin.ModelAdmin):
    list_display = ["name", "ip", "segment", "cluster", "labels"]
    list_filter = ["cluster", "segment__site", "segment"]
    search_fields = ["name", "ip"]
    list_select_related = ["segment", "cluster"]


@admin.register(models.Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "segment", "pool", "kind", "note"]
    list_filter = ["kind", "segment", "pool"]
    search_fields = ["start", "end", "note"]
    list_select_related = ["segment", "pool"]


class ClusterAdminForm(forms.ModelForm):
    """Credentials are write-only: the field starts empty and empty means "keep"."""

    api_server_url = forms.URLField(label="API server URL", required=False, assume_scheme="https")
    credentials = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="A kubeconfig, or JSON with token and ca_pem. Stored encrypted; "
        "never shown again. Leave empty to keep the stored credentials.",
    )

    class Meta:
        model = models.Cluster
        fields = [
            "name",
            "sites",
            "api_server_url",
            "credentials",
            "default_network_type",
            "sync_enabled",
            "sync_interval_seconds",
            "sync_applies",
            "description",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["credentials"] = ""

    def clean_credentials(self) -> str:
        return self.cleaned_data["credentials"] or self.instance.credentials


@admin.register(models.Cluster)
class ClusterAdmin(GuardedModelAdmin):
    """With django-guardian's "Object permissions" page: which operators are limited to this
    cluster (planner/roles.py)."""

    form = ClusterAdminForm
    list_display = [
        "name",
        "api_server_url",
        "default_network_type",
        "sync_enabled",
        "has_credentials",
    ]
    list_filter = ["sync_enabled", "default_network_type", "sites"]
    search_fields = ["name", "api_server_url", "description"]
    filter_horizontal = ["sites"]

    @admin.display(boolean=True, description="credentials")
    def has_credentials(self, cluster: models.Cluster) -> bool:
        return cluster.has_credentials


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added or changed here: observed state, which sync writes."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReviewedWritesAdmin(ReadOnlyAdmin):
    """Planned Networks and Subnets, shown only: their writes go through planner.services
    (the REST API), which checks each against Hybridnet's admission rules first; a save or
    delete from the admin would skip that review."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Network)
class NetworkAdmin(ReviewedWritesAdmin):
    list_display = ["name", "cluster", "type", "mode", "net_id", "node_selector"]
    list_filter = ["cluster", "type", "mode"]
    search_fields = ["name"]
    list_select_related = ["cluster"]


@admin.register(models.Subnet)
class SubnetAdmin(ReviewedWritesAdmin):
    list_display = [
        "name",
        "cluster",
        "network",
        "cidr",
        "start",
        "end",
        "gateway",
        "segment",
        "pool",
    ]
    list_filter = ["cluster", "family", "network__type", "segment", "pool"]
    search_fields = ["name", "cidr", "start", "end"]
    list_select_related = ["cluster", "network", "segment", "pool"]


@admin.register(models.ObservedIPInstance)
class ObservedIPInstanceAdmin(ReadOnlyAdmin):
    list_display = [
        "ip",
        "cluster",
        "namespace",
        "pod_name",
        "node_name",
        "subnet_name",
        "network_name",
        "reserved",
        "observed_at",
    ]
    list_filter = ["cluster", "reserved", "subnet_name", "network_name"]
    search_fields = ["ip", "name", "pod_name", "node_name", "namespace"]
    list_select_related = ["cluster"]


@admin.register(models.ObservedSubnetStatus)
class ObservedSubnetStatusAdmin(ReadOnlyAdmin):
    list_display = [
        "subnet_name",
        "cluster",
        "total",
        "used",
        "available",
        "last_allocated_ip",
        "observed_at",
    ]
    list_filter = ["cluster"]
    search_fields = ["subnet_name"]
    list_select_related = ["cluster"]


@admin.register(models.ObservedNetwork)
class ObservedNetworkAdmin(ReadOnlyAdmin):
    list_display = ["name", "cluster", "observed_at"]
    list_filter = ["cluster"]
    search_fields = ["name"]
    list_select_related = ["cluster"]


@admin.register(models.ObservedSubnet)
class ObservedSubnetAdmin(ReadOnlyAdmin):
    list_display = ["name", "cluster", "network_name", "observed_at"]
    list_filter = ["cluster"]
    search_fields = ["name", "network_name"]
    list_select_related = ["cluster"]


@admin.register(models.ObservedNode)
class ObservedNodeAdmin(ReadOnlyAdmin):
    list_display = ["name", "cluster", "internal_ips", "observed_at"]
    list_filter = ["cluster"]
    search_fields = ["name"]
    list_select_related = ["cluster"]


@admin.register(models.SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["cluster", "action", "state", "started_at", "finished_at", "error"]
    list_filter = ["cluster", "action", "state"]
    search_fields = ["error"]
    list_select_related = ["cluster"]


# DRF's tokens no longer sign anyone in (migration 0020 moved them to APIToken).
admin.site.unregister(TokenProxy)


@admin.register(models.APIToken)
class APITokenAdmin(admin.ModelAdmin):
    """Tokens are created through the API, which shows the key once; here they are seen,
    changed (description, expiry, write access, networks) and revoked (deleted)."""

    list_display = ["key_id", "user", "description", "write_enabled", "expires", "last_used"]
    list_filter = ["write_enabled"]
    search_fields = ["key_id", "user__username", "description"]
    list_select_related = ["user"]
    readonly_fields = ["user", "key_id", "created", "last_used"]

    def has_add_permission(self, request) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class PlannerUserAdmin(UserAdmin):
    """Django's user admin, with each user's roles (groups viewer, planner, operator) and
    the clusters an operator is limited to (set by `manage.py assign_role` or on a
    cluster's "Object permissions" page)."""

    list_display = [*UserAdmin.list_display, "roles"]
    readonly_fields = ["cluster_limits"]
    fieldsets = [*UserAdmin.fieldsets, ("Cluster limits", {"fields": ["cluster_limits"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def roles(self, user: User) -> str:
        return ", ".join(roles_of(user)) or "-"

    @admin.display(description="operates only")
    def cluster_limits(self, user: User) -> str:
        return ", ".join(cluster.name for cluster in limited_clusters(user)) or "-"
