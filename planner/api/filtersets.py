"""Query filters of the list endpoints, and the ordering that sorts addresses as addresses."""

from collections.abc import Callable
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from ipam.addresses import Address
from planner.addressing import address_key, parse_address, parse_network
from planner.choices import ChangeSourceChoices
from planner.models import (
    PLANNED_MODELS,
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
)
from planner.models.changes import ACTION_NAMES

ID_LOOKUPS = ["exact", "in"]
NAME_LOOKUPS = ["exact", "icontains"]
# How a boolean filter may be written; anything else is an error, not "no filter".
TRUE_TEXTS = frozenset({"true", "1"})
FALSE_TEXTS = frozenset({"false", "0"})


class StrictBooleanFormField(forms.NullBooleanField):
    """true/false (or 1/0); empty for no filter. django-filter's own reads any other text as
    empty, so a typo (`?sync_enabled=maybe`) silently listed everything."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value in EMPTY_VALUES:
            return None
        text = str(value).strip().lower()
        if text in TRUE_TEXTS:
            return True
        if text in FALSE_TEXTS:
            return False
        raise ValidationError(f"{value!r} is not a boolean: write true or false")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanFormField


class PlannerFilterSet(django_filters.FilterSet):
    """Boolean fields, and `__isnull` lookups, take true or false and nothing else."""

    FILTER_DEFAULTS = {
        **django_filters.filterset.FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


class ParsedTextFormField(forms.CharField):
    """Text cleaned by `parser`, a reader of planner.addressing."""

    parser: ClassVar[Callable[[str], Any]]

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if not text:
            return None
        try:
            return self.parser(text)
        except ValidationError as error:
            # The message quotes the user's text; as a parameter, a '%' in it stays text.
            raise ValidationError("%(problem)s", params={"problem": error.messages[0]}) from None


def canonical_cidr(text: str) -> str:
    return parse_network(text).text


class AddressFormField(ParsedTextFormField):
    """An IP address in any spelling, cleaned to its parsed form."""

    parser = staticmethod(parse_address)


class CidrFormField(ParsedTextFormField):
    """A CIDR in any spelling, cleaned to its canonical text."""

    parser = staticmethod(canonical_cidr)


@extend_schema_field(OpenApiTypes.STR)
class CidrFilter(django_filters.CharFilter):
    field_class = CidrFormField


@extend_schema_field(OpenApiTypes.STR)
class AddressFilter(django_filters.Filter):
    """Rows whose address range [first_field, last_field] holds the given address.

    Address keys start with the family, so one range comparison never mixes IPv4 and IPv6.
    """

    field_class = AddressFormField

    def __init__(self, first_field: str, last_field: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.first_field, self.last_field = first_field, last_field

    def filter(self, qs: QuerySet, value: Address | None) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        key = address_key(value.family, value.value)
        return qs.filter(**{f"{self.first_field}__lte": key, f"{self.last_field}__gte": key})


def contains_filter(first_field: str = "first_key", last_field: str = "last_key"):
    return AddressFilter(first_field, last_field, help_text="Holds this IP address.")


class SiteFilterSet(PlannerFilterSet):
    class Meta:
        model = Site
        fields = {"id": ID_LOOKUPS, "name": NAME_LOOKUPS}


class NodeSegmentFilterSet(PlannerFilterSet):
    cidr = CidrFilter()
    contains = contains_filter()

    class Meta:
        model = NodeSegment
        fields = {
            "id": ID_LOOKUPS,
            "site": ["exact"],
            "name": NAME_LOOKUPS,
            "family": ["exact"],
            "vlan_id": ["exact"],
        }


class AddressPoolFilterSet(PlannerFilterSet):
    cidr = CidrFilter()
    contains = contains_filter()

    class Meta:
        model = AddressPool
        fields = {
            "id": ID_LOOKUPS,
            "site": ["exact"],
            "name": NAME_LOOKUPS,
            "purpose": ["exact"],
            "family": ["exact"],
        }


class NodeFilterSet(PlannerFilterSet):
    ip = AddressFilter("ip_key", "ip_key", help_text="Has this IP address.")
    site = django_filters.ModelChoiceFilter(
        field_name="segment__site", queryset=Site.objects.all(), help_text="In this site."
    )

    class Meta:
        model = Node
        fields = {
            "id": ID_LOOKUPS,
            "name": NAME_LOOKUPS,
            "segment": ["exact"],
            "cluster": ["exact", "isnull"],
        }


class ReservationFilterSet(PlannerFilterSet):
    contains = contains_filter("start_key", "end_key")

    class Meta:
        model = Reservation
        fields = {"id": ID_LOOKUPS, "segment": ["exact"], "pool": ["exact"], "kind": ["exact"]}


class ClusterFilterSet(PlannerFilterSet):
    class Meta:
        model = Cluster
        fields = {
            "id": ID_LOOKUPS,
            "name": NAME_LOOKUPS,
            "sites": ["exact"],
            "default_network_type": ["exact"],
            "sync_enabled": ["exact"],
        }


class NetworkFilterSet(PlannerFilterSet):
    class Meta:
        model = Network
        fields = {
            "id": ID_LOOKUPS,
            "cluster": ["exact"],
            "name": NAME_LOOKUPS,
            "type": ["exact"],
            "mode": ["exact"],
        }


class SubnetFilterSet(PlannerFilterSet):
    cidr = CidrFilter()
    # The start..end window, not the CIDR: slices of one segment share its CIDR.
    contains = contains_filter("window_first_key", "window_last_key")

    class Meta:
        model = Subnet
        fields = {
            "id": ID_LOOKUPS,
            "cluster": ["exact"],
            "network": ["exact"],
            "segment": ["exact"],
            "pool": ["exact"],
            "name": NAME_LOOKUPS,
            "family": ["exact"],
        }


class ObservedIPInstanceFilterSet(PlannerFilterSet):
    ip = AddressFilter("ip_key", "ip_key", help_text="Has this IP address.")

    class Meta:
        model = ObservedIPInstance
        fields = {
            "id": ID_LOOKUPS,
            "cluster": ["exact"],
            "namespace": ["exact"],
            "name": NAME_LOOKUPS,
            "subnet_name": ["exact"],
            "network_name": ["exact"],
            "node_name": ["exact"],
            "reserved": ["exact"],
        }


class ObservedSubnetStatusFilterSet(PlannerFilterSet):
    class Meta:
        model = ObservedSubnetStatus
        fields = {"id": ID_LOOKUPS, "cluster": ["exact"], "subnet_name": ["exact"]}


class SyncRunFilterSet(PlannerFilterSet):
    class Meta:
        model = SyncRun
        fields = {"id": ID_LOOKUPS, "cluster": ["exact"], "action": ["exact"], "state": ["exact"]}


class ObjectChangeFilterSet(django_filters.FilterSet):
    """The change log by object (`object_type` is a model name: `subnet`, `node`...), user,
    request id, action, source and time range (`time_after`, `time_before`, ISO 8601)."""

    object_type = django_filters.ChoiceFilter(
        field_name="content_type__model",
        choices=[(model._meta.model_name, model._meta.verbose_name) for model in PLANNED_MODELS],
    )
    object_id = django_filters.NumberFilter()
    user = django_filters.CharFilter(field_name="actor__username")
    request_id = django_filters.CharFilter(field_name="cid")
    action = django_filters.TypedChoiceFilter(
        choices=[(name, name) for name in ACTION_NAMES.values()],
        coerce={name: action for action, name in ACTION_NAMES.items()}.get,
    )
    source = django_filters.ChoiceFilter(choices=ChangeSourceChoices.choices)
    time = django_filters.IsoDateTimeFromToRangeFilter(field_name="timestamp")

    class Meta:
        model = ObjectChange
        fields = ["object_type", "object_id", "user", "request_id", "action", "source", "time"]


class AddressOrderingFilter(OrderingFilter):
    """`?ordering=` where address columns sort by their keys (numeric order, IPv4 before
    IPv6) through the view's `ordering_aliases`, and ties break by id so pages are stable."""

    def remove_invalid_fields(
        self, queryset: QuerySet, fields: list[str], view: Any, request: Request
    ) -> list[str]:
        """Unknown fields are an error (DRF drops them, so a typo silently ordered by id)."""
        valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        unknown = [term for term in fields if term.lstrip("-") not in valid]
        if unknown:
            raise APIValidationError(
                {
                    self.ordering_param: [
                        f"cannot order by {', '.join(unknown)}; "
                        f"choose from {', '.join(sorted(valid))}"
                    ]
                }
            )
        return fields

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> list[str]:
        ordering = super().get_ordering(request, queryset, view) or queryset.model._meta.ordering
        aliases = getattr(view, "ordering_aliases", {})
        expanded = []
        for term in ordering:
            descending, name = term.startswith("-"), term.lstrip("-")
            expanded += [
                f"-{column}" if descending else column for column in aliases.get(name, [name])
            ]
        return [*expanded, "pk"]
