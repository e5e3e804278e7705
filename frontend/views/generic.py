"""The views every planner model's pages share, after NetBox's generic views: a filtered,
sortable, paged list; an object page; one form for create and edit; a delete confirmation.
Writes go through the planner's services, whose errors land on the form field they name."""

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from frontend.constants import ROWS_PER_PAGE
from frontend.forms import add_service_error
from frontend.links import list_url, object_url
from planner.roles import model_permission
from planner.services.errors import PlanError


class ObjectPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Signed in, and the model permission of `action`: anonymous users are sent to sign in,
    signed-in users without it get 403."""

    model: ClassVar[type[models.Model]]
    action: ClassVar[str] = "view"
    # Models shown but never written in the UI (what sync records): no edit pages.
    read_only: ClassVar[bool] = False

    def get_permission_required(self) -> list[str]:
        return [model_permission(self.model, self.action)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user, model = self.request.user, self.model
        may = {
            f"can_{action}": not self.read_only and user.has_perm(model_permission(model, action))
            for action in ("add", "change", "delete")
        }
        return super().get_context_data(
            **kwargs,
            **may,
            model_name=model._meta.model_name,
            verbose_name=model._meta.verbose_name,
            verbose_name_plural=model._meta.verbose_name_plural,
        )


class ObjectListView(ObjectPermissionMixin, SingleTableMixin, FilterView):
    """A table beside the filter form of the API's FilterSet."""

    template_name = "frontend/object_list.html"
    paginate_by = ROWS_PER_PAGE
    # An invalid filter shows its errors on the form and lists nothing, as the API refuses it.
    strict = True
    # Choices of the filter form whose labels read a relation: joined, not read per option.
    filter_choices: ClassVar[dict[str, models.QuerySet]] = {}

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        for name, queryset in self.filter_choices.items():
            filterset.form.fields[name].queryset = queryset
        return filterset


class ObjectDetailView(ObjectPermissionMixin, DetailView):
    """An object page; `template_name` names the model's own."""


class ObjectEditView(ObjectPermissionMixin, UpdateView):
    """Create (no pk in the URL) or edit an object through its form, whose save() calls the
    planner's service. The request runs in one transaction, so a space's row lock taken by
    the model's checks holds until the save; a refused save writes nothing."""

    template_name = "frontend/object_edit.html"

    @property
    def action(self) -> str:  # type: ignore[override]
        return "change" if "pk" in self.kwargs else "add"

    def get_object(self, queryset=None) -> models.Model | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.model, pk=self.kwargs["pk"])

    @transaction.atomic
    def post(self, request, *args, **kwargs) -> HttpResponse:
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        try:
            with transaction.atomic():
                self.object = form.save()
        except (PlanError, ValidationError) as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        verb = "changed" if self.action == "change" else "created"
        messages.success(self.request, f"{self.model._meta.verbose_name} {self.object} {verb}")
        for warning in getattr(self.object, "planner_warnings", ()):
            messages.warning(self.request, warning.message)
        return HttpResponseRedirect(object_url(self.object))


class ObjectDeleteView(ObjectPermissionMixin, DetailView):
    """A confirmation page, then the delete (`delete_instance`: the model's service where
    deleting takes more than a row delete); a refusal is shown on the object's page."""

    action = "delete"
    template_name = "frontend/object_delete.html"

    def delete_instance(self, instance: models.Model) -> None:
        instance.delete()

    @transaction.atomic
    def post(self, request, *args, **kwargs) -> HttpResponse:
        instance = self.get_object()
        try:
            with transaction.atomic():
                self.delete_instance(instance)
        except PlanError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(object_url(instance))
        except models.ProtectedError as error:
            messages.error(request, error.args[0])
            return HttpResponseRedirect(object_url(instance))
        messages.success(request, f"{self.model._meta.verbose_name} {instance} deleted")
        return HttpResponseRedirect(list_url(self.model))
