"""The global search: an address answers who holds it; other text finds objects by name."""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.views.generic import TemplateView

from frontend.constants import SEARCH_RESULTS_PER_KIND
from planner.addressing import parse_address
from planner.services.lookup import lookup_address, lookup_name, lookup_pod

QUERY_PARAMETER = "q"


class SearchView(LoginRequiredMixin, TemplateView):
    template_name = "frontend/search.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        text = self.request.GET.get(QUERY_PARAMETER, "").strip()
        context = super().get_context_data(**kwargs, query=text)
        if not text:
            return context
        try:
            address = parse_address(text)
        except ValidationError:
            found = lookup_name(text, SEARCH_RESULTS_PER_KIND)
            context["by_name"] = [
                (model._meta.verbose_name_plural, rows) for model, rows in found.items() if rows
            ]
            # A pod's name: the addresses its IPInstances hold, in any namespace and cluster.
            context["pod_addresses"] = lookup_pod(text).ipinstances
        else:
            context["address"] = lookup_address(address)
        return context
