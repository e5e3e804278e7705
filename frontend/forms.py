"""Plain Django forms of the planner's objects. Validation is the models' and the services':
a form only names the fields, and its save() calls the same service as the API."""

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    Reservation,
    Site,
    Subnet,
)
from planner.services.errors import PlanError
from planner.services.networks import save_new_network, update_network
from planner.services.subnets import save_new_subnet, update_subnet


def add_service_error(form: forms.BaseForm, error: PlanError | ValidationError) -> None:
    """Put a service's error on the field it names, or above the form when the form has no
    such field."""
    if isinstance(error, PlanError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        known = field in form.fields and field != NON_FIELD_ERRORS
        form.add_error(field if known else None, errors)


class ServiceModelForm(forms.ModelForm):
    """A model form whose save() is the planner's create or update service, as the API's
    serializer's is: Hybridnet's review runs, and its warnings stay on the saved object."""

    create_service: ClassVar[Callable[[Any], models.Model]]
    update_service: ClassVar[Callable[[Any, dict], models.Model]]

    def save(self, commit: bool = True) -> models.Model:
        if self.instance._state.adding:
            return self.create_service(self.instance)
        changes = {name: self.cleaned_data[name] for name in self.changed_data}
        return self.update_service(self.instance, changes)


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "description"]


class NodeSegmentForm(forms.ModelForm):
    class Meta:
        model = NodeSegment
        fields = ["site", "name", "cidr", "gateway", "vlan_id", "description"]


class AddressPoolForm(forms.ModelForm):
    class Meta:
        model = AddressPool
        fields = ["name", "purpose", "site", "cidr", "description"]


class NodeForm(forms.ModelForm):
    class Meta:
        model = Node
        fields = ["name", "segment", "ip", "cluster", "labels"]


class ReservationForm(forms.ModelForm):
    class Meta:
        model = Reservation
        fields = ["segment", "pool", "start", "end", "kind", "note"]


class ClusterForm(forms.ModelForm):
    """Credentials are write-only: the field is always empty, a new value replaces the
    stored one, and removing them is a choice of its own."""

    new_credentials = forms.CharField(
        label="Credentials",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text="A kubeconfig, or JSON with token and ca_pem. Never shown again; "
        "leave empty to keep the stored credentials.",
    )
    remove_credentials = forms.BooleanField(required=False, label="Remove stored credentials")
    api_server_url = forms.URLField(label="API server URL", required=False, assume_scheme="https")

    class Meta:
        model = Cluster
        fields = [
            "name",
            "sites",
            "api_server_url",
            "default_network_type",
            "sync_enabled",
            "sync_interval_seconds",
            "sync_applies",
            "description",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("remove_credentials"):
            self.instance.credentials = ""
        elif cleaned.get("new_credentials"):
            self.instance.credentials = cleaned["new_credentials"]
        return cleaned


class NetworkForm(ServiceModelForm):
    create_service = staticmethod(save_new_network)
    update_service = staticmethod(update_network)

    class Meta:
        model = Network
        fields = [
            "cluster",
            "name",
            "type",
            "mode",
            "net_id",
            "node_selector",
            "bgp_peers",
            "description",
        ]


class SubnetForm(ServiceModelForm):
    create_service = staticmethod(save_new_subnet)
    update_service = staticmethod(update_subnet)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A network's label names its cluster: joined, not read per choice.
        self.fields["network"].queryset = Network.objects.select_related("cluster")

    class Meta:
        model = Subnet
        fields = [
            "network",
            "segment",
            "pool",
            "name",
            "cidr",
            "gateway",
            "start",
            "end",
            "reserved_ips",
            "exclude_ips",
            "net_id",
            "private",
            "auto_nat_outgoing",
            "description",
        ]
