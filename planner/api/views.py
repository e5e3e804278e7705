"""API views: one viewset per planner model, carving actions, and the offline review."""

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.viewsets import ModelViewSet, ReadOnlyModelViewSet

from ipam.review import review, usage
from planner.api import filtersets
from planner.api import serializers as api
from planner.api.constants import MAX_BULK_OBJECTS
from planner.api.permissions import (
    ObjectHistoryPermissions,
    RequiredPermissions,
)
from planner.api.renderers import ManifestYamlRenderer, errors_as_json
from planner.api.serializers.actions import CarveSerializer
from planner.choices import SyncActionChoices
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    ObjectChange,
    ObservedIPInstance,
    ObservedSubnetStatus,
    Reservation,
    Site,
    Subnet,
    SyncRun,
    SyncRunResult,
)
from planner.querysets import SUBNET_CIDR_ORDER, SUBNET_WINDOW_ORDER
from planner.roles import OBSERVATION_PERMISSIONS, OPERATE_CLUSTER_PERMISSION, model_permission
from planner.services.carving import carve_pool, carve_segment
from planner.services.conflicts import cluster_conflicts
from planner.services.lookup import lookup_address, lookup_pod
from planner.services.manifests import cluster_manifests, node_labels, subnet_manifest, to_yaml
from planner.services.networks import delete_network
from planner.services.space import pool_free, segment_free
from planner.services.subnets import delete_subnet
from planner.sync.drift import cluster_drift
from planner.tasks import start_run

TIMESTAMP_ORDERING = ["created", "last_updated"]
# Any path segment reaches the view, so a malformed id is DRF's JSON 404, not Django's page.
ANY_LOOKUP = "[^/]+"


class BriefRelationsMixin:
    """Rows show their related objects in brief ({id, name, url}): a list or a detail reads
    only their names, joined (api.brief_names), not the objects (a cluster's credentials
    would be decrypted for each row). Other actions read them whole for the services."""

    brief_relations: ClassVar[tuple[str, ...]] = ()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and self.paginator is not None:
            return queryset  # the page's rows are read by rows_shown (PlannerPagination)
        if self.action in ("list", "retrieve"):
            return queryset.annotate(**api.brief_names(self.brief_relations))
        return queryset.select_related(*self.brief_relations)

    def rows_shown(self, queryset):
        """A list page's rows, as shown (other actions page other rows)."""
        if self.action != "list":
            return queryset
        return queryset.annotate(**api.brief_names(self.brief_relations))


class PlannerModelViewSet(BriefRelationsMixin, ModelViewSet):
    """CRUD of one planner model. A JSON array POSTed to the collection is a bulk create:
    every object or none. Every write runs in one transaction."""

    bulk_create = True  # read by planner.api.schema to document the list form
    lookup_value_regex = ANY_LOOKUP

    def get_serializer(self, *args: Any, **kwargs: Any):
        if self.action == "create" and isinstance(kwargs.get("data"), list):
            kwargs.update(many=True, allow_empty=False, max_length=MAX_BULK_OBJECTS)
        return super().get_serializer(*args, **kwargs)

    def finalize_response(self, request: Request, response: Response, *args, **kwargs):
        return errors_as_json(super().finalize_response(request, response, *args, **kwargs))

    def perform_create(self, serializer) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: Model) -> None:
        with transaction.atomic():
            self.delete_instance(instance)

    def delete_instance(self, instance: Model) -> None:
        instance.delete()

    @extend_schema(
        summary="This object's change log, newest first",
        responses=api.ObjectChangeSerializer(many=True),
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        permission_classes=[ObjectHistoryPermissions],
    )
    def changes(self, request: Request, pk: str | None = None) -> Response:
        entries = ObjectChange.objects.get_for_object(self.get_object())
        page = self.paginate_queryset(entries.select_related("content_type", "actor"))
        serializer = api.ObjectChangeSerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)


class ObservedViewSet(BriefRelationsMixin, ReadOnlyModelViewSet):
    """What sync last read from a cluster: listed and shown, never written through the API."""

    lookup_value_regex = ANY_LOOKUP


class CarvingViewSetMixin:
    """`carve` and `free` of an address space (a node segment or a pool)."""

    carve_serializer_class: ClassVar[type[CarveSerializer]]
    carve_service: ClassVar[Callable[..., Subnet]]
    free_service: ClassVar[Callable[[Model, int], list]]

    @property
    def action_permissions(self) -> dict[str, list[str]]:
        space = model_permission(self.queryset.model, "view")
        return {"carve": [space, model_permission(Subnet, "add")]}

    def get_queryset(self):
        if self.action in ("carve", "free"):
            # The services read what they need under their lock: skip the list's prefetches,
            # which would load every subnet of the space.
            return self.queryset.model.objects.all()
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action == "carve":
            return self.carve_serializer_class
        return super().get_serializer_class()

    @extend_schema(
        summary="Carve a new Subnet out of this address space",
        responses={status.HTTP_201_CREATED: api.SubnetSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def carve(self, request: Request, pk: str | None = None) -> Response:
        params = self.get_serializer(data=request.data)
        # The service reads the space locked; reading it here first would cost a query.
        model = self.queryset.model
        try:
            params.is_valid(raise_exception=True)
            space = model(pk=model._meta.pk.to_python(pk))
            subnet = self.carve_service(space, **params.validated_data)
        except (ValidationError, DjangoValidationError, model.DoesNotExist):
            # A malformed id or a missing space answers the 404 every other action does,
            # before any 400; any other error (an invalid name, say) goes on as raised.
            self.get_object()
            raise
        data = api.SubnetSerializer(subnet, context=self.get_serializer_context()).data
        # A plain str: the url field is a Hyperlink, which WSGI servers refuse as a header.
        headers = {"Location": str(data["url"])}
        return Response(data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        summary="Free address intervals, lowest first",
        parameters=[api.FreeQuerySerializer],
        responses=api.FreeIntervalSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def free(self, request: Request, pk: str | None = None) -> Response:
        space = self.get_object()
        query = api.FreeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        intervals = self.free_service(space, query.validated_data["limit"])
        return Response(api.FreeIntervalSerializer(intervals, many=True).data)


# Manifests read a cluster's Networks and Subnets, whichever viewset serves them.
MANIFEST_PERMISSIONS = [model_permission(model, "view") for model in (Cluster, Network, Subnet)]


# JSON (objects, node labels and the YAML text) by default; the YAML stream on request.
MANIFEST_RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, ManifestYamlRenderer]
MANIFEST_RESPONSES = {
    (status.HTTP_200_OK, "application/json"): api.ManifestSerializer,
    (status.HTTP_200_OK, ManifestYamlRenderer.media_type): OpenApiTypes.STR,
}


def manifest_response(objects: list[dict], labels: dict[str, dict[str, str]]) -> Response:
    return Response({"objects": objects, "node_labels": labels, "yaml": to_yaml(objects, labels)})


class SiteViewSet(PlannerModelViewSet):
    """Sites."""

    queryset = Site.objects.all()
    serializer_class = api.SiteSerializer
    filterset_class = filtersets.SiteFilterSet
    ordering_fields = ["id", "name", *TIMESTAMP_ORDERING]
    search_fields = ["name", "description"]


ADDRESS_SPACE_ORDERING = ["id", "name", "cidr", *TIMESTAMP_ORDERING]
ADDRESS_SPACE_ALIASES = {"cidr": ["first_key", "last_key"]}


class NodeSegmentViewSet(CarvingViewSetMixin, PlannerModelViewSet):
    """Node segments; `carve` hands out an underlay slice, `free` lists what is left."""

    queryset = NodeSegment.objects.with_utilization_data()
    brief_relations = ("site",)
    serializer_class = api.NodeSegmentSerializer
    filterset_class = filtersets.NodeSegmentFilterSet
    ordering_fields = [*ADDRESS_SPACE_ORDERING, "vlan_id"]
    ordering_aliases = ADDRESS_SPACE_ALIASES
    search_fields = ["name", "cidr", "description"]
    carve_serializer_class = api.SegmentCarveSerializer
    carve_service = staticmethod(carve_segment)
    free_service = staticmethod(segment_free)


class AddressPoolViewSet(CarvingViewSetMixin, PlannerModelViewSet):
    """Address pools; `carve` hands out an aligned block, `free` lists what is left."""

    queryset = AddressPool.objects.with_utilization_data()
    brief_relations = ("site",)
    serializer_class = api.AddressPoolSerializer
    filterset_class = filtersets.AddressPoolFilterSet
    ordering_fields = [*ADDRESS_SPACE_ORDERING, "purpose"]
    ordering_aliases = ADDRESS_SPACE_ALIASES
    search_fields = ["name", "cidr", "description"]
    carve_serializer_class = api.PoolCarveSerializer
    carve_service = staticmethod(carve_pool)
    free_service = staticmethod(pool_free)


class NodeViewSet(PlannerModelViewSet):
    """Nodes and their addresses."""

    queryset = Node.objects.all()
    brief_relations = ("segment", "cluster")
    serializer_class = api.NodeSerializer
    filterset_class = filtersets.NodeFilterSet
    ordering_fields = ["id", "name", "ip", *TIMESTAMP_ORDERING]
    ordering_aliases = {"ip": ["ip_key"]}
    search_fields = ["name", "ip"]


class ReservationViewSet(PlannerModelViewSet):
    """Reserved addresses of segments and pools."""

    queryset = Reservation.objects.all()
    brief_relations = ("segment", "pool")
    serializer_class = api.ReservationSerializer
    filterset_class = filtersets.ReservationFilterSet
    ordering_fields = ["id", "start", "kind", *TIMESTAMP_ORDERING]
    ordering_aliases = {"start": ["start_key"]}
    search_fields = ["start", "end", "note"]


# Starting a run against a cluster: seeing the cluster, and the right to operate it.
OPERATE_PERMISSIONS = [model_permission(Cluster, "view"), OPERATE_CLUSTER_PERMISSION]
RUN_STARTED = {status.HTTP_202_ACCEPTED: api.SyncRunSerializer}


class ClusterViewSet(PlannerModelViewSet):
    """Clusters; credentials can be written, never read. test, plan and apply start a run in
    a worker and answer 202 with it at once."""

    queryset = Cluster.objects.prefetch_related("sites")
    serializer_class = api.ClusterSerializer
    filterset_class = filtersets.ClusterFilterSet
    ordering_fields = ["id", "name", *TIMESTAMP_ORDERING]
    search_fields = ["name", "api_server_url", "description"]
    action_permissions = {
        "manifests": MANIFEST_PERMISSIONS,
        "test_connection": OPERATE_PERMISSIONS,
        "plan": OPERATE_PERMISSIONS,
        "apply": OPERATE_PERMISSIONS,
        "pull": OPERATE_PERMISSIONS,
        "adopt": OPERATE_PERMISSIONS,
        "conflicts": OBSERVATION_PERMISSIONS,
        "drift": OBSERVATION_PERMISSIONS,
    }

    def start(self, request: Request, action_name: str) -> Response:
        """Queue a run of `action_name` and answer 202 with it (409 if an apply of the
        cluster is queued or running already: RunInProgressError names it)."""
        run = start_run(self.get_object(), action_name, requested_by=request.user)
        context = self.get_serializer_context()
        data = api.SyncRunSerializer(run, context=context).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    @extend_schema(
        summary="Test the connection to the cluster (a run)", request=None, responses=RUN_STARTED
    )
    @action(detail=True, methods=["post"], url_path="test", url_name="test", filter_backends=[])
    def test_connection(self, request: Request, pk: str | None = None) -> Response:
        return self.start(request, SyncActionChoices.TEST)

    @extend_schema(
        summary="Plan: what applying would change in the cluster (a run)",
        request=None,
        responses=RUN_STARTED,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def plan(self, request: Request, pk: str | None = None) -> Response:
        return self.start(request, SyncActionChoices.PLAN)

    @extend_schema(
        summary="Apply the plan to the cluster (a run; one at a time per cluster)",
        request=None,
        responses=RUN_STARTED,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        return self.start(request, SyncActionChoices.APPLY)

    @extend_schema(
        summary="Start a pull of the cluster's live objects and IPInstances",
        request=None,
        responses=RUN_STARTED,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def pull(self, request: Request, pk: str | None = None) -> Response:
        return self.start(request, SyncActionChoices.PULL)

    @extend_schema(
        summary="Conflicts between the cluster's last pull and its plan",
        responses=api.ClusterConflictsSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def conflicts(self, request: Request, pk: str | None = None) -> Response:
        return Response(cluster_conflicts(self.get_object()).as_dict())

    @extend_schema(
        summary="Drift: the plan against the cluster's last pull (sync status, changes)",
        responses=api.ClusterDriftSerializer,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def drift(self, request: Request, pk: str | None = None) -> Response:
        drift = cluster_drift(self.get_object())
        return Response(api.ClusterDriftSerializer(drift.as_dict()).data)

    @extend_schema(
        summary="Adopt: import the live cluster's Networks, Subnets and Nodes into its plan",
        request=None,
        responses=RUN_STARTED,
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def adopt(self, request: Request, pk: str | None = None) -> Response:
        return self.start(request, SyncActionChoices.ADOPT)

    @extend_schema(
        summary="The cluster's planned Networks and Subnets as CRs, and the node labels",
        responses=MANIFEST_RESPONSES,
    )
    @action(detail=True, methods=["get"], renderer_classes=MANIFEST_RENDERERS)
    def manifests(self, request: Request, pk: str | None = None) -> Response:
        manifests = cluster_manifests(self.get_object())
        return manifest_response(manifests.objects, manifests.node_labels)


class NetworkViewSet(PlannerModelViewSet):
    """Planned Hybridnet Networks, checked against Hybridnet's admission rules."""

    queryset = Network.objects.all()
    brief_relations = ("cluster",)
    serializer_class = api.NetworkSerializer
    filterset_class = filtersets.NetworkFilterSet
    ordering_fields = ["id", "name", "type", *TIMESTAMP_ORDERING]
    search_fields = ["name", "description"]

    def delete_instance(self, instance: Network) -> None:
        delete_network(instance)


class SubnetViewSet(PlannerModelViewSet):
    """Planned Hybridnet Subnets, checked against Hybridnet's admission rules."""

    queryset = Subnet.objects.with_observed_status()
    brief_relations = ("cluster", "network", "segment", "pool")
    serializer_class = api.SubnetSerializer
    filterset_class = filtersets.SubnetFilterSet
    ordering_fields = ["id", "name", "cidr", "start", *TIMESTAMP_ORDERING]
    ordering_aliases = {"cidr": SUBNET_CIDR_ORDER, "start": SUBNET_WINDOW_ORDER}
    search_fields = ["name", "cidr", "start", "end", "description"]
    action_permissions = {"manifest": MANIFEST_PERMISSIONS}

    def delete_instance(self, instance: Subnet) -> None:
        delete_subnet(instance)

    @extend_schema(
        summary="The Subnet CR, and the node labels its Network's selector needs",
        responses=MANIFEST_RESPONSES,
    )
    @action(detail=True, methods=["get"], renderer_classes=MANIFEST_RENDERERS)
    def manifest(self, request: Request, pk: str | None = None) -> Response:
        subnet = self.get_object()
        labels = node_labels(subnet.cluster, [subnet.network])
        return manifest_response([subnet_manifest(subnet)], labels)


class ObservedIPInstanceViewSet(ObservedViewSet):
    """IPInstances as last pulled from the clusters (read-only)."""

    queryset = ObservedIPInstance.objects.all()
    brief_relations = ("cluster",)
    serializer_class = api.ObservedIPInstanceSerializer
    filterset_class = filtersets.ObservedIPInstanceFilterSet
    ordering_fields = ["id", "ip", "name", "namespace", "observed_at"]
    ordering_aliases = {"ip": ["ip_key"]}
    search_fields = ["ip", "name", "pod_name", "node_name", "namespace"]


class ObservedSubnetStatusViewSet(ObservedViewSet):
    """Subnet status as last pulled from the clusters (read-only)."""

    queryset = ObservedSubnetStatus.objects.all()
    brief_relations = ("cluster",)
    serializer_class = api.ObservedSubnetStatusSerializer
    filterset_class = filtersets.ObservedSubnetStatusFilterSet
    ordering_fields = ["id", "subnet_name", "used", "available", "observed_at"]
    search_fields = ["subnet_name"]


class SyncRunViewSet(ObservedViewSet):
    """The record of plans, applies and pulls (read-only)."""

    queryset = SyncRun.objects.select_related("requested_by")
    brief_relations = ("cluster",)
    serializer_class = api.SyncRunSerializer
    filterset_class = filtersets.SyncRunFilterSet
    ordering_fields = ["id", "created", "started_at", "finished_at"]
    search_fields = ["error"]

    @extend_schema(
        summary="What the run did to each object, a page at a time",
        responses=api.SyncRunResultSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def results(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        results = SyncRunResult.objects.filter(run=run).order_by("id")
        page = self.paginate_queryset(results)
        serializer = api.SyncRunResultSerializer(page, many=True)
        return self.get_paginated_response(serializer.data)


class LookupView(GenericAPIView):
    """Who holds an address across every cluster, and what the plan says of it; or the
    addresses of a pod, by name."""

    permission_classes = [RequiredPermissions]
    required_permissions = [
        model_permission(model, "view") for model in (ObservedIPInstance, Subnet, Node)
    ]
    serializer_class = api.LookupSerializer

    @extend_schema(
        summary="Look up an address (IPv4 or IPv6) or a pod name",
        parameters=[api.LookupQuerySerializer],
    )
    def get(self, request: Request) -> Response:
        query = api.LookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data["q"]
        found = lookup_pod(q) if isinstance(q, str) else lookup_address(q)
        return Response(self.get_serializer(found).data)


class ObjectChangeViewSet(ReadOnlyModelViewSet):
    """The change log: every create, update and delete of a planned object (read-only)."""

    queryset = ObjectChange.objects.select_related("content_type", "actor")
    serializer_class = api.ObjectChangeSerializer
    filterset_class = filtersets.ObjectChangeFilterSet
    ordering_fields = ["id", "timestamp"]
    search_fields = ["object_repr"]
    lookup_value_regex = ANY_LOOKUP


class HybridnetView(GenericAPIView):
    """The offline admission review over HTTP: pure computation on the posted objects,
    so being signed in is enough."""

    permission_classes = [IsAuthenticated]

    def read_input(self, request: Request) -> dict[str, Any]:
        params = self.get_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        return params.validated_data


class HybridnetReviewView(HybridnetView):
    """The `hybridnet_review` command over HTTP: the same input and JSON."""

    serializer_class = api.ReviewRequestSerializer

    @extend_schema(
        summary="Review objects as Hybridnet's admission webhook would",
        responses=api.ReviewResultSerializer,
    )
    def post(self, request: Request) -> Response:
        data = self.read_input(request)
        return Response(review(data["state"], data["objects"], delete=data["delete"]))


class HybridnetUsageView(HybridnetView):
    """The `hybridnet_usage` command over HTTP: the same input and JSON."""

    serializer_class = api.UsageRequestSerializer

    @extend_schema(
        summary="Subnet and Network usage as Hybridnet would write it into status",
        responses=api.UsageResultSerializer,
    )
    def post(self, request: Request) -> Response:
        return Response(usage(self.read_input(request)["state"]))
