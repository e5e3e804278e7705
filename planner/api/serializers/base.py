"""The serializer machinery every planner model shares: brief related objects, model
validation on save, all-or-nothing bulk create, and showing objects through a plan of
getters."""

import copy
import inspect
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache, cached_property
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Model, Value
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.reverse import preserve_builtin_query_params
from rest_framework.settings import ISO_8601, api_settings

from planner.api.constants import API_NAMESPACE
from planner.compiled import CompiledQuery, one_by_pk
from planner.services.errors import BulkValidationError

# The serializer context's caches: related objects read from ids (BriefRelatedField), and
# detail URL templates (detail_url), whose placeholder id is replaced by each object's.
RELATED_OBJECTS = "related_objects"
URL_TEMPLATES = "url_templates"
# ... and the brief forms of the objects a page of rows refers to, by model and id.
BRIEF_FORMS = "brief_forms"
PK_PLACEHOLDER = "__pk__"
# DRF writes a UTC timestamp's "+00:00" as "Z".
UTC_ZONE_NAME = "UTC"
UTC_ISO_SUFFIX = "+00:00"


def detail_view_name(model: type[Model]) -> str:
    return f"{API_NAMESPACE}:{model._meta.model_name}-detail"


@cache
def _detail_path(model: type[Model], script_prefix: str, urlconf: str | None) -> str:
    # Django's reverse reads the script prefix and URLconf of the thread: part of the key.
    return django_reverse(detail_view_name(model), kwargs={"pk": PK_PLACEHOLDER})


def detail_url(model: type[Model], pk: Any, context: dict[str, Any]) -> str:
    """The absolute URL of an object's detail view, as DRF's reverse gives it (no versioning
    scheme is configured): the path reversed once per process, the URL built once per
    request and model rather than per object (a page of 1,000 subnets shows 5,000 links)."""
    templates = context.setdefault(URL_TEMPLATES, {})
    if model not in templates:
        path = _detail_path(model, get_script_prefix(), get_urlconf())
        request = context.get("request")
        templates[model] = (
            path
            if request is None
            else preserve_builtin_query_params(request.build_absolute_uri(path), request)
        )
    return templates[model].replace(PK_PLACEHOLDER, str(pk))


class ReadOnlyObjectField(serializers.Field):
    """A read-only value computed from the whole object."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{**kwargs, "read_only": True, "source": "*"})


class PageReadingField(ReadOnlyObjectField):
    """A value computed from the whole object by `measure`, which takes many objects at once
    and answers by id: a list measures its whole page (read_page) before showing it, a
    single object is measured alone."""

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


class CompiledPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A PrimaryKeyRelatedField whose object is read with `read`, a CompiledQuery of one
    argument, the primary key (for a field every request of a hot path reads: a carve's
    network). `queryset` still serves the schema and the browsable API's choices."""

    def __init__(self, *, read: CompiledQuery, **kwargs: Any):
        self.read = read
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Model:
        if self.pk_field is not None:
            data = self.pk_field.to_internal_value(data)
        try:
            if isinstance(data, bool):
                raise TypeError
            return one_by_pk(self.read, self.get_queryset().model, data)
        except ObjectDoesNotExist:
            self.fail("does_not_exist", pk_value=data)
        except (TypeError, ValueError, DjangoValidationError):
            self.fail("incorrect_type", data_type=type(data).__name__)


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
    """A relation written as the related object's id and read as its brief form: from the
    brief forms a list built for its page (read_brief_names), else from the related object.

    Documented in the schema by `planner.api.schema.BriefRelatedFieldExtension`.
    """

    # The brief forms of the related objects a list read for its page, by id.
    page_briefs: Mapping[Any, dict[str, Any]] = MappingProxyType({})

    def use_pk_only_optimization(self) -> bool:
        return False

    @cached_property
    def relation(self) -> models.ForeignKey:
        return self.parent.Meta.model._meta.get_field(self.source)

    @cached_property
    def root_context(self) -> dict[str, Any]:
        """The serializer's context, which DRF looks up through every parent on each use."""
        return self.context

    def shown(self, instance: Model) -> dict[str, Any] | None:
        """What the field shows of `instance`: the brief form of the related object, from
        the page's (a page of 1,000 subnets shows 4,000 relations), else built."""
        pk = getattr(instance, self.relation.attname)
        if pk is None:
            return None
        brief = self.page_briefs.get(pk)
        if brief is not None:
            return brief
        related = super().get_attribute(instance)
        return None if related is None else self.to_representation(related)

    def to_internal_value(self, data: Any) -> Model:
        # A bulk request names the same few objects many times: read each once per request.
        cache = self.context.setdefault(RELATED_OBJECTS, {})
        key = (self.queryset.model, str(data))
        if key not in cache:
            cache[key] = super().to_internal_value(data)
        return cache[key]

    def to_representation(self, value: Model) -> dict[str, Any]:
        # Built by hand, not through BriefSerializer: a list of 1,000 rows renders thousands.
        return brief_form(type(value), value.pk, value.name, self.root_context)


def brief_form(model: type[Model], pk: Any, name: str, context: dict[str, Any]) -> dict[str, Any]:
    return {"id": pk, "name": name, "url": detail_url(model, pk, context)}


def read_brief_names(serializer: serializers.Serializer, rows: list[Model]) -> None:
    """Hand each of the serializer's brief relations the brief forms of the objects `rows`
    refer to (`page_briefs`), each built once: from the object where a row holds it, else
    from its name, read with the others' in one query. A page of rows then shows its
    clusters, networks and segments without building them row by row."""
    context = serializer.context
    briefs = context.setdefault(BRIEF_FORMS, {})
    wanted: dict[type[Model], set] = {}
    for field in serializer._readable_fields:
        if not isinstance(field, BriefRelatedField):
            continue
        relation, model = field.relation, field.relation.related_model
        field.page_briefs = known = briefs.setdefault(model, {})
        unnamed = wanted.setdefault(model, set())
        for row in rows:
            pk = getattr(row, relation.attname)
            if pk is None or pk in known or pk in unnamed:
                continue
            if relation.is_cached(row):
                known[pk] = field.to_representation(relation.get_cached_value(row))
            else:
                unnamed.add(pk)
    models_read = [model for model, pks in wanted.items() if pks]
    if not models_read:
        return
    first, *rest = (
        model._base_manager.filter(pk__in=wanted[model])
        .order_by()
        .values_list(Value(index), "pk", "name")
        for index, model in enumerate(models_read)
    )
    for index, pk, name in first.union(*rest, all=True):
        model = models_read[index]
        briefs[model][pk] = brief_form(model, pk, name, context)


class BulkListSerializer(serializers.ListSerializer):
    """Bulk create: every object or none. Errors come back keyed by the failing item's index,
    as DRF reports the items' field validation. A child with a `create_many_service` saves
    all items in one call; others are saved one by one. Shown, the rows' brief relations
    are named in one query (read_brief_names), and page-reading fields read for all rows."""

    def to_representation(self, data) -> list[dict[str, Any]]:
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        read_brief_names(self.child, rows)
        for field in self.child._readable_fields:
            if isinstance(field, PageReadingField):
                field.read_page(rows)
        return super().to_representation(rows)

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

    @cached_property
    def _shows_utc_as_read(self) -> bool:
        """Whether a UTC timestamp is shown as it is read: the zone is UTC and the format
        ISO 8601 (DRF's default), where DRF's conversion into the zone changes nothing."""
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        return (
            isinstance(output_format, str)
            and output_format.lower() == ISO_8601
            and str(self.timezone) == UTC_ZONE_NAME
        )

    def to_representation(self, value: Any) -> Any:
        # A page of 1,000 subnets shows 2,000 timestamps, all read in UTC.
        if value.__class__ is datetime and value.tzinfo is UTC and self._shows_utc_as_read:
            return value.isoformat().removesuffix(UTC_ISO_SUFFIX) + "Z"
        return super().to_representation(value)


# How a serializer field reads its value from the object: DRF's generic lookup, or a
# plain getattr where DRF's lookup could only come to the same.
Getter = Callable[[Model], Any]
# How it shows the value read; None: as read.
Representer = Callable[[Any], Any] | None
# DRF's own get_attribute: a field that keeps it reads `source_attrs` and nothing else.
PLAIN_GET_ATTRIBUTE = (Field.get_attribute, RelatedField.get_attribute)
# DRF representations that give back a value of these columns' types unchanged (str(text),
# int(number), a bool for a bool), by the model field's internal type.
AS_READ = {
    serializers.CharField.to_representation: {"CharField", "TextField"},
    serializers.IntegerField.to_representation: {
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    },
    serializers.BooleanField.to_representation: {"BooleanField"},
}


def _lists_text(field: Field) -> bool:
    return (
        type(field).to_representation is serializers.ListField.to_representation
        and type(field.child).to_representation is serializers.CharField.to_representation
    )


def _text_list_representer(field: serializers.ListField) -> Representer:
    """How a ListField of CharField shows a list (excludeIPs, say): DRF gives back each str
    unchanged (str(text)), so a list of str only is shown as read, anything else as DRF
    shows it."""

    def represent(items: Any) -> Any:
        if type(items) is list and all(type(item) is str for item in items):
            return items
        return field.to_representation(items)

    return represent


def _whole_object(instance: Model) -> Model:
    return instance


@cache
def _column(model: type[Model], attribute: str) -> models.Field | None:
    """The model's concrete, non-relational column of that name, if there is one."""
    for field in model._meta.concrete_fields:
        if field.name == attribute and not field.is_relation:
            return field
    return None


@cache
def _holds_data(model: type[Model], attribute: str) -> bool:
    """Whether the attribute of a `model` object is data, never a callable DRF would call:
    a column or relation, an annotation (nothing of that name on the class), or a constant
    of the class."""
    if attribute in {field.name for field in model._meta.concrete_fields}:
        return True
    found = inspect.getattr_static(model, attribute, None)
    return not callable(found) and not hasattr(found, "__get__")


def _attribute_getter(field: Field, attribute: str) -> Getter:
    """DRF's get_attribute for a one-step source that holds data, without its per-call checks:
    the same value, or the same fallback when the attribute is missing."""

    def get(instance: Model) -> Any:
        try:
            return getattr(instance, attribute)
        except ObjectDoesNotExist:
            return None
        except (KeyError, AttributeError):
            return field.get_attribute(instance)

    return get


def _plan_step(model: type[Model], field: Field) -> tuple[Getter, Representer]:
    """How the plan reads and shows `field` of a `model` object, as DRF would."""
    if isinstance(field, BriefRelatedField):
        return field.shown, None
    plain = type(field).get_attribute in PLAIN_GET_ATTRIBUTE and not (
        isinstance(field, RelatedField) and field.use_pk_only_optimization()
    )
    if plain and not field.source_attrs:  # source="*"
        return _whole_object, field.to_representation
    if plain and len(field.source_attrs) == 1 and _holds_data(model, field.source):
        column = _column(model, field.source)
        if column is None:
            return _attribute_getter(field, field.source), field.to_representation
        # A column is always there to read (deferred, it is read from the database).
        if _lists_text(field):
            return attrgetter(field.source), _text_list_representer(field)
        as_read = column.get_internal_type() in AS_READ.get(type(field).to_representation, ())
        return attrgetter(field.source), None if as_read else field.to_representation
    return field.get_attribute, field.to_representation


def _field_copy(prototype: Field) -> Field:
    """A new, unbound field like `prototype`: a shallow copy, as binding only sets attributes
    of its own, holding copies of the fields it holds (a list's child). A serializer used as
    a field is copied deep, as DRF copies every field."""
    if isinstance(prototype, serializers.BaseSerializer):
        return copy.deepcopy(prototype)
    # What copy.copy does, without its generic protocol (half the time, measured).
    clone = object.__new__(type(prototype))
    clone.__dict__.update(vars(prototype))
    for attribute, value in vars(prototype).items():
        if isinstance(value, Field) and getattr(value, "parent", None) is prototype:
            child = _field_copy(value)
            child.parent = clone
            setattr(clone, attribute, child)
    return clone


class FieldPrototypesMixin:
    """Fields built once per serializer class and copied for each serializer: DRF builds them
    anew for every serializer (a ModelSerializer inspects its model each time) and copies
    them deep, which costs a Subnet's serializer about a millisecond per request. Fields are
    never changed in place here, only replaced or given attributes, so copies share their
    validators and messages."""

    def get_fields(self) -> dict[str, Field]:
        cls = type(self)
        # Looked up on the class itself: a subclass builds its own.
        prototypes = cls.__dict__.get("_field_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()
            cls._field_prototypes = prototypes
        return {name: _field_copy(field) for name, field in prototypes.items()}


class PlannerModelSerializer(FieldPrototypesMixin, serializers.ModelSerializer):
    """Relations read as brief objects; saves run the model's full_clean() first.

    The model is the single source of validation (address parsing, overlaps, uniqueness);
    its errors come back as field errors. Objects are shown as DRF shows them, through a
    plan of getters built once per serializer: a page of 1,000 subnets reads 23,000 values.
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

    @cached_property
    def _representation_plan(self) -> list[tuple[str, Getter, Representer]]:
        return [
            (field.field_name, *_plan_step(self.Meta.model, field))
            for field in self._readable_fields
        ]

    def to_representation(self, instance: Model) -> dict[str, Any]:
        if not isinstance(instance, Model):
            return super().to_representation(instance)
        shown = {}
        for name, get, represent in self._representation_plan:
            try:
                value = get(instance)
            except SkipField:
                continue
            if value is None or (value.__class__ is PKOnlyObject and value.pk is None):
                shown[name] = None
            else:
                shown[name] = value if represent is None else represent(value)
        return shown

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
