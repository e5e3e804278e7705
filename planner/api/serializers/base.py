"""The serializer machinery every planner model shares: brief related objects, model
validation on save, and all-or-nothing bulk create."""

from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from planner.api.constants import API_NAMESPACE
from planner.services.errors import BulkValidationError

# The serializer context's caches: related objects read from ids (BriefRelatedField), and
# detail URL templates (detail_url), whose placeholder id is replaced by each object's.
RELATED_OBJECTS = "related_objects"
URL_TEMPLATES = "url_templates"
PK_PLACEHOLDER = "__pk__"


def detail_view_name(model: type[Model]) -> str:
    return f"{API_NAMESPACE}:{model._meta.model_name}-detail"


def detail_url(model: type[Model], pk: Any, context: dict[str, Any]) -> str:
    """The absolute URL of an object's detail view, reversed once per request and model
    rather than per object: a page of 1,000 subnets shows 5,000 links."""
    templates = context.setdefault(URL_TEMPLATES, {})
    if model not in templates:
        templates[model] = reverse(
            detail_view_name(model),
            kwargs={"pk": PK_PLACEHOLDER},
            request=context.get("request"),
        )
    return templates[model].replace(PK_PLACEHOLDER, str(pk))


class ReadOnlyObjectField(serializers.Field):
    """A read-only value computed from the whole object."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "read_only": True, "source": "*"})


@extend_schema_field(OpenApiTypes.URI)
class DetailUrlField(ReadOnlyObjectField):
    """The object's own URL (`url`)."""

    def to_representation(self, value: Model) -> str:
        return detail_url(type(value), value.pk, self.context)


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
    """Turn the model's ValidationError into DRF's, so it reaches the client as a 400."""
    try:
        yield
    except DjangoValidationError as error:
        raise serializers.ValidationError(validation_error_detail(error)) from None


class BriefSerializer(serializers.Serializer):
    """How a related object is shown inside another: enough to name it and follow it."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)


class BriefRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation written as the related object's id and read as its brief form.

    Documented in the schema by `planner.api.schema.BriefRelatedFieldExtension`.
    """

    def use_pk_only_optimization(self) -> bool:
        return False

    def to_internal_value(self, data: Any) -> Model:
        # A bulk request names the same few objects many times: read each once per request.
        cache = self.context.setdefault(RELATED_OBJECTS, {})
        key = (self.queryset.model, str(data))
        if key not in cache:
            cache[key] = super().to_internal_value(data)
        return cache[key]

    def to_representation(self, value: Model) -> dict[str, Any]:
        # Built by hand, not through BriefSerializer: a list of 1,000 rows renders thousands.
        return {
            "id": value.pk,
            "name": value.name,
            "url": detail_url(type(value), value.pk, self.context),
        }


class BulkListSerializer(serializers.ListSerializer):
    """Bulk create: every object or none. Errors come back keyed by the failing item's index,
    as DRF reports the items' field validation. A child with a `create_many_service` saves
    all items in one call; others are saved one by one."""

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


class DefaultZoneDateTimeField(serializers.DateTimeField):
    """A timestamp shown in the configured TIME_ZONE, which is looked up once: DRF's own field
    asks for the thread's current zone for every value it renders."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=timezone.get_default_timezone(), **kwargs)


class PlannerModelSerializer(serializers.ModelSerializer):
    """Relations read as brief objects; saves run the model's full_clean() first.

    The model is the single source of validation (address parsing, overlaps, uniqueness);
    its errors come back as field errors.
    """

    serializer_related_field = BriefRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DefaultZoneDateTimeField,
    }

    class Meta:
        list_serializer_class = BulkListSerializer
        # Uniqueness is checked by the model's full_clean(), in the model's own words.
        validators: list = []

    serializer_url_field = DetailUrlField

    def build_url_field(self, field_name: str, model_class: type[Model]):
        return self.serializer_url_field, {}

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
