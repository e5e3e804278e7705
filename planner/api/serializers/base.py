"""The serializer machinery every planner model shares: brief related objects, model
validation on save, all-or-nothing bulk create, and fields measured a page at a time."""

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import F, Model
from django.utils import timezone
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from planner.api.constants import API_NAMESPACE
from planner.changelog import recording_changes
from planner.choices import ChangeSourceChoices
from planner.services.errors import BulkValidationError, PlanError

# The serializer context's caches (BriefRelatedField): related objects read from ids, and
# the brief forms shown, by model and id.
RELATED_OBJECTS = "related_objects"
BRIEF_FORMS = "brief_forms"


def detail_view_name(model: type[Model]) -> str:
    return f"{API_NAMESPACE}:{model._meta.model_name}-detail"


class ReadOnlyObjectField(serializers.Field):
    """A read-only value computed from the whole object."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "read_only": True, "source": "*"})


class PageReadingField(ReadOnlyObjectField):
    """A value computed from the whole object by `measure`, which takes many objects at once
    and answers by id: a list measures its whole page (read_page) before showing it, a
    single object is measured alone. So a page costs the same few queries whatever its
    length."""

    # What read_page measured, by the object's id.
    page_values: Mapping[Any, Any] = MappingProxyType({})

    def __init__(self, measure: Callable[[Sequence[Model]], dict[Any, Any]], **kwargs: Any):
        super().__init__(**kwargs)
        self.measure = measure

    def read_page(self, rows: Sequence[Model]) -> None:
        self.page_values = self.measure(rows)

    def measured(self, instance: Model) -> Any:
        if instance.pk in self.page_values:
            return self.page_values[instance.pk]
        return self.measure([instance])[instance.pk]


def validation_error_detail(error: DjangoValidationError) -> dict[str, Any]:
    """A Django ValidationError as DRF field errors: {field: [messages]}.

    full_clean() can say one thing twice (a model's clean() and its database constraint);
    each message is kept once."""
    detail = serializers.as_serializer_error(error)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return {field: list(dict.fromkeys(messages)) for field, messages in detail.items()}


@contextmanager
def model_validation():
    """Turn the model's ValidationError into DRF's, so it reaches the client as a 400. A
    conflict with what is planned (ConflictingEditError, a ValidationError too) is left to
    the exception handler, which answers it 409."""
    try:
        yield
    except PlanError:
        raise
    except DjangoValidationError as error:
        raise serializers.ValidationError(validation_error_detail(error)) from None


class BriefSerializer(serializers.Serializer):
    """How a related object is shown inside another: enough to name it and follow it."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)


def brief_name(relation: str) -> str:
    """The annotation that holds a row's related object's name (brief_names)."""
    return f"{relation}_brief_name"


def brief_names(relations: Sequence[str]) -> dict[str, F]:
    """Annotations of each related object's name, which BriefRelatedField shows with the
    row's foreign key: a page of rows reads the names joined, and builds no related object
    per row."""
    return {brief_name(relation): F(f"{relation}__name") for relation in relations}


@dataclass(frozen=True)
class RelatedName:
    """What a brief form shows of a related object: its model, id and name."""

    model: type[Model]
    pk: Any
    name: str


class BriefRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation written as the related object's id and read as its brief form
    (BriefSerializer): from the name a list annotated (brief_names) and the row's foreign
    key, else from the related object.

    Documented in the schema by `planner.api.schema.BriefRelatedFieldExtension`.
    """

    def use_pk_only_optimization(self) -> bool:
        return False

    def get_attribute(self, instance: Model) -> Any:
        name = getattr(instance, brief_name(self.source), None)
        if name is None:  # not annotated, or no related object (then no query either)
            return super().get_attribute(instance)
        relation = type(instance)._meta.get_field(self.source)
        return RelatedName(relation.related_model, getattr(instance, relation.attname), name)

    def to_internal_value(self, data: Any) -> Model:
        # A bulk request names the same few objects many times: read each once per request.
        cache = self.context.setdefault(RELATED_OBJECTS, {})
        key = (self.get_queryset().model, str(data))
        if key not in cache:
            cache[key] = super().to_internal_value(data)
        return cache[key]

    def to_representation(self, value: Model | RelatedName) -> dict[str, Any]:
        # A page of rows names the same few clusters and networks over and over: each
        # object's brief form is built once per request.
        briefs = self.context.setdefault(BRIEF_FORMS, {})
        model = value.model if isinstance(value, RelatedName) else type(value)
        key = (model, value.pk)
        if key not in briefs:
            url = reverse(
                detail_view_name(model),
                kwargs={"pk": value.pk},
                request=self.context.get("request"),
            )
            briefs[key] = {"id": value.pk, "name": value.name, "url": url}
        return briefs[key]


def readable_fields(serializer: serializers.Serializer) -> list[serializers.Field]:
    return [field for field in serializer.fields.values() if not field.write_only]


class BulkListSerializer(serializers.ListSerializer):
    """Bulk create: every object or none. Errors come back keyed by the failing item's index,
    as DRF reports the items' field validation. A child with a `create_many_service` saves
    all items in one call; others are saved one by one. Shown, page-reading fields measure
    all rows at once."""

    def to_representation(self, data) -> list[dict[str, Any]]:
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        for field in readable_fields(self.child):
            if isinstance(field, PageReadingField):
                field.read_page(rows)
        return super().to_representation(rows)

    @recording_changes(ChangeSourceChoices.BULK)
    def create(self, validated_data: list[dict[str, Any]]) -> list[Model]:
        create_many = getattr(self.child, "create_many_service", None)
        if create_many is not None:
            instances = [self.child.Meta.model(**attrs) for attrs in validated_data]
            try:
                return create_many(instances)
            except BulkValidationError as error:
                raise serializers.ValidationError(
                    {index: validation_error_detail(item) for index, item in error.errors.items()}
                ) from None
        created = []
        for index, attrs in enumerate(validated_data):
            try:
                created.append(self.child.create(attrs))
            except serializers.ValidationError as error:
                raise serializers.ValidationError(
                    {index: serializers.as_serializer_error(error)}
                ) from None
        return created


class TimestampField(serializers.DateTimeField):
    """DRF's DateTimeField in the time zone of the settings, taken once per field rather than
    looked up for every value shown: nothing in the API activates another one."""

    def __init__(self, **kwargs: Any) -> None:
        if settings.USE_TZ:
            kwargs.setdefault("default_timezone", timezone.get_default_timezone())
        super().__init__(**kwargs)


class PlannerModelSerializer(serializers.ModelSerializer):
    """Relations read as brief objects; saves run the model's full_clean() first.

    The model is the single source of validation (address parsing, overlaps, uniqueness);
    its errors come back as field errors."""

    serializer_related_field = BriefRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: TimestampField,
    }

    class Meta:
        list_serializer_class = BulkListSerializer
        # Uniqueness is checked by the model's full_clean(), in the model's own words.
        validators: list = []

    def build_url_field(self, field_name: str, model_class: type[Model]):
        # The API's URLs live in their own namespace.
        return self.serializer_url_field, {"view_name": detail_view_name(model_class)}

    def create(self, validated_data: dict[str, Any]) -> Model:
        related = self._pop_many_to_many(validated_data)
        return self.save_instance(self.Meta.model(**validated_data), related)

    def update(self, instance: Model, validated_data: dict[str, Any]) -> Model:
        related = self._pop_many_to_many(validated_data)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return self.save_instance(instance, related)

    def save_instance(self, instance: Model, related: dict[str, list[Model]]) -> Model:
        with model_validation():
            instance.full_clean()
        instance.save()
        for field, values in related.items():
            getattr(instance, field).set(values)
        return instance

    def _pop_many_to_many(self, validated_data: dict[str, Any]) -> dict[str, list[Model]]:
        names = {field.name for field in self.Meta.model._meta.many_to_many}
        return {name: validated_data.pop(name) for name in names & validated_data.keys()}
