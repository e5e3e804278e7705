"""The carve wizard: a segment or pool, a cluster, a network and a size (or start and end,
or a prefix length) → a preview of the exact Subnet CR with Hybridnet's verdict and the
planner's warnings → create. The preview runs the API's carve service in a transaction it
rolls back, so what it shows is what a create would store."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.views.generic import FormView

from frontend.forms import add_service_error
from frontend.links import object_url
from ipam.planner_checks import Finding
from planner.constants import K8S_NAME_MAX_LENGTH
from planner.models import AddressPool, Cluster, Network, NodeSegment, Subnet
from planner.roles import model_permission
from planner.services.carving import carve_pool, carve_segment
from planner.services.errors import HybridnetDenied, PlanError
from planner.services.manifests import node_labels, subnet_manifest, to_yaml

# The submit buttons' name and values.
ACTION_FIELD = "action"
PREVIEW, CREATE = "preview", "create"


class CarveForm(forms.Form):
    segment = forms.ModelChoiceField(
        NodeSegment.objects.select_related("site"),
        required=False,
        help_text="A node segment, for an underlay slice…",
    )
    pool = forms.ModelChoiceField(
        AddressPool.objects.all(), required=False, help_text="…or a pool, for an aligned block."
    )
    cluster = forms.ModelChoiceField(
        Cluster.objects.defer("credentials"),
        # With htmx, choosing a cluster redraws the network choices with its networks only.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("planner:carve"),
                "hx-include": "[name=segment], [name=pool], [name=cluster]",
                "hx-target": "#id_network",
                "hx-select": "#id_network",
                "hx-swap": "outerHTML",
            }
        ),
    )
    network = forms.ModelChoiceField(Network.objects.select_related("cluster"))
    name = forms.CharField(max_length=K8S_NAME_MAX_LENGTH, help_text="The Subnet's name.")
    size = forms.IntegerField(
        required=False, min_value=1, help_text="Addresses of a slice (first fit)…"
    )
    start = forms.CharField(required=False, help_text="…or its first address…")
    end = forms.CharField(required=False, help_text="…and its last.")
    prefixlen = forms.IntegerField(
        required=False, label="Prefix length", help_text="The size of a pool's block."
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A cluster chosen on the page that shows the form (a link, or the cluster field's
        # htmx request) narrows the networks offered; a posted one is checked in clean().
        cluster = self.initial.get("cluster")
        if str(cluster).isdigit():
            networks = self.fields["network"].queryset.filter(cluster_id=cluster)
            self.fields["network"].queryset = networks

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        segment, pool = data.get("segment"), data.get("pool")
        if (segment is None) == (pool is None) and "segment" not in self.errors:
            self.add_error("segment", "choose a node segment or a pool, not both")
        cluster, network = data.get("cluster"), data.get("network")
        if cluster and network and network.cluster_id != cluster.pk:
            self.add_error("network", f"network {network} is not a network of cluster {cluster}")
        if pool is not None and data.get("prefixlen") is None:
            self.add_error("prefixlen", "a block of a pool needs a prefix length")
        return data

    def carve(self) -> Subnet:
        """Carve as the API's carve action does (the same services and parameters)."""
        data = self.cleaned_data
        common = {
            "network": data["network"],
            "name": data["name"],
            "description": data["description"],
        }
        if data["pool"] is not None:
            return carve_pool(data["pool"], prefixlen=data["prefixlen"], **common)
        return carve_segment(
            data["segment"],
            size=data["size"],
            start=data["start"] or None,
            end=data["end"] or None,
            **common,
        )


@dataclass(frozen=True)
class CarvePreview:
    window: str
    manifest: str
    warnings: list[Finding]


def preview_carve(form: CarveForm) -> CarvePreview:
    """What the carve would store, from the carve itself, rolled back."""
    with transaction.atomic():
        subnet = form.carve()
        preview = CarvePreview(
            window=subnet.window_text,
            manifest=to_yaml(
                [subnet_manifest(subnet)], node_labels(subnet.cluster, [subnet.network])
            ),
            warnings=list(subnet.planner_warnings),
        )
        transaction.set_rollback(True)
    return preview


class CarveView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    form_class = CarveForm
    template_name = "frontend/carve.html"

    def get_permission_required(self) -> list[str]:
        return [model_permission(Subnet, "add")]

    def get_initial(self) -> dict[str, Any]:
        # Linked from a segment's or pool's page with that space chosen.
        return {
            name: self.request.GET[name]
            for name in ("segment", "pool", "cluster")
            if name in self.request.GET
        }

    def form_valid(self, form: CarveForm) -> HttpResponse:
        creating = self.request.POST.get(ACTION_FIELD) == CREATE
        try:
            if not creating:
                preview = preview_carve(form)
                return self.render_to_response(self.get_context_data(form=form, preview=preview))
            with transaction.atomic():
                subnet = form.carve()
        except HybridnetDenied as denial:
            form.add_error(None, denial.message)
            return self.render_to_response(self.get_context_data(form=form, denial=denial))
        except (PlanError, ValidationError) as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"subnet {subnet} carved: {subnet.window_text}")
        for warning in subnet.planner_warnings:
            messages.warning(self.request, warning.message)
        return HttpResponseRedirect(object_url(subnet))
