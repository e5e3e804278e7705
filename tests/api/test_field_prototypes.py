"""Serializer fields copied from per-class prototypes: each serializer gets fields of its
own, bound to it, like the ones DRF builds afresh, and the prototypes stay unbound."""

import pytest
from rest_framework import serializers

from planner.api.serializers import PoolCarveSerializer, SegmentCarveSerializer, SubnetSerializer
from planner.api.urls import router

pytestmark = pytest.mark.django_db  # a related field's repr shows its queryset
SERIALIZERS = [
    *(viewset.serializer_class for _, viewset, _ in router.registry),
    PoolCarveSerializer,
    SegmentCarveSerializer,
]


def drf_fields(serializer: serializers.Serializer) -> dict:
    """The fields DRF itself builds for the serializer."""
    own = (
        serializers.ModelSerializer
        if isinstance(serializer, serializers.ModelSerializer)
        else (serializers.Serializer)
    )
    return own.get_fields(serializer)


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda cls: cls.__name__)
def test_fields_are_the_ones_drf_builds(serializer_class) -> None:
    serializer = serializer_class()
    copied, built = serializer.fields, drf_fields(serializer_class())
    assert list(copied) == list(built)
    for name, field in copied.items():
        assert type(field) is type(built[name])
        assert repr(field) == repr(built[name])
        assert (field.read_only, field.required) == (built[name].read_only, built[name].required)


def test_each_serializer_has_its_own_bound_fields() -> None:
    first, second = SubnetSerializer(), SubnetSerializer()
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first and field.field_name == name
    # A list's child is copied with it and belongs to its own list.
    child = first.fields["reserved_ips"].child
    assert child is not second.fields["reserved_ips"].child
    assert child.parent is first.fields["reserved_ips"]
    # What one serializer sets on a field stays with it.
    first.fields["description"].read_only = True
    assert second.fields["description"].read_only is False
    assert SubnetSerializer().fields["description"].read_only is False
    # The prototypes themselves were never bound to a serializer.
    prototypes = SubnetSerializer._field_prototypes.values()
    assert all(field.parent is None for field in prototypes)


def test_copied_list_fields_validate_their_items() -> None:
    serializer = SubnetSerializer(data={"reserved_ips": ["", "x" * 200]}, partial=True)
    assert not serializer.is_valid()
    assert set(serializer.errors["reserved_ips"]) == {0, 1}
