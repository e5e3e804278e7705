"""Addresses of the browser UI's pages, by object and by model."""

from collections.abc import Callable

from django.db import models
from django.urls import reverse

from frontend.constants import UI_NAMESPACE


def object_url(instance: models.Model, page: str = "") -> str:
    """The page of `instance`, or one of its `page`s (edit, delete)."""
    name = instance._meta.model_name
    view = f"{UI_NAMESPACE}:{name}_{page}" if page else f"{UI_NAMESPACE}:{name}"
    return reverse(view, kwargs={"pk": instance.pk})


def list_url(model: type[models.Model]) -> str:
    return reverse(f"{UI_NAMESPACE}:{model._meta.model_name}_list")


def object_urls(model: type[models.Model]) -> Callable[[int], str]:
    """The page of each id of `model`, for a page that links thousands (an IP map):
    frontend.urls.object_pages puts an object's page at its list's address plus its id, so
    the list's is reversed once."""
    prefix = list_url(model)
    return lambda pk: f"{prefix}{pk}/"
