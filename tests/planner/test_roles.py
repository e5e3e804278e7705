"""The built-in roles made by migration 0020, the `assign_role` command that hands them out,
the admin that shows them, and DRF's tokens moved to API tokens."""

from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from planner.models import APIToken
from planner.roles import OPERATOR, PLANNER, ROLES, VIEWER, can_operate, roles_of
from tests.planner.factories import make_cluster

pytestmark = pytest.mark.django_db

PLANNED = {
    "site",
    "nodesegment",
    "addresspool",
    "node",
    "reservation",
    "cluster",
    "network",
    "subnet",
}
MIGRATION = import_module("planner.migrations.0020_api_tokens_and_roles")


def codenames(role: str) -> set[str]:
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


def test_the_roles_grant_reading_then_planning_then_operating():
    models = {model._meta.model_name for model in apps.get_app_config("planner").get_models()}
    views = {f"view_{name}" for name in models - {"apitoken"}}
    writes = {f"{action}_{name}" for name in PLANNED for action in ("add", "change", "delete")}
    assert codenames(VIEWER) == views
    assert codenames(PLANNER) == views | writes
    assert codenames(OPERATOR) == views | writes | {"operate_cluster"}


@pytest.fixture
def alice() -> User:
    return User.objects.create_user("alice")


def test_assign_role_limits_an_operator_to_the_clusters_named(alice):
    prod_a, prod_b = make_cluster("prod-a"), make_cluster("prod-b")
    call_command("assign_role", "alice", "operator", "--cluster", "prod-a")
    alice = User.objects.get(pk=alice.pk)
    assert roles_of(alice) == [PLANNER]
    assert (can_operate(alice, prod_a), can_operate(alice, prod_b)) == (True, False)
    call_command("assign_role", "alice", "operator")
    alice = User.objects.get(pk=alice.pk)
    assert roles_of(alice) == [OPERATOR]
    assert (can_operate(alice, prod_a), can_operate(alice, prod_b)) == (True, True)


def test_a_new_role_replaces_the_roles_and_limits_before(alice):
    prod_a = make_cluster("prod-a")
    call_command("assign_role", "alice", "operator", "--cluster", "prod-a")
    call_command("assign_role", "alice", "viewer")
    alice = User.objects.get(pk=alice.pk)
    assert roles_of(alice) == [VIEWER]
    assert not can_operate(alice, prod_a)
    call_command("assign_role", "alice", "none")
    assert roles_of(User.objects.get(pk=alice.pk)) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["bob", "viewer"], "no user 'bob'"),
        (["alice", "operator", "--cluster", "prod-z"], "no cluster 'prod-z'"),
        (["alice", "planner", "--cluster", "prod-a"], "only an operator can be limited"),
    ],
)
def test_assign_role_refuses_what_it_cannot_do(alice, arguments, message):
    make_cluster("prod-a")
    with pytest.raises(CommandError, match=message):
        call_command("assign_role", *arguments)
    assert roles_of(User.objects.get(pk=alice.pk)) == []


def test_assign_role_refuses_an_unknown_role(alice):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("assign_role", "alice", "admin")
    assert set(ROLES) <= set(Group.objects.values_list("name", flat=True))


def test_the_admin_shows_roles_and_cluster_limits(admin_client, alice):
    make_cluster("prod-a")
    cluster = make_cluster("prod-b")
    call_command("assign_role", "alice", "operator", "--cluster", "prod-b")
    listing = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert '<td class="field-roles">planner</td>' in listing
    page = admin_client.get(reverse("admin:auth_user_change", args=[alice.pk])).content.decode()
    assert "Cluster limits" in page and "prod-b" in page and "prod-a" not in page
    permissions = reverse("admin:planner_cluster_permissions", args=[cluster.pk])
    assert "alice" in admin_client.get(permissions).content.decode()


def test_the_admin_offers_api_tokens_not_drf_tokens(admin_client):
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:planner_apitoken_changelist") in index
    assert "authtoken" not in index
    assert admin_client.get(reverse("admin:planner_apitoken_add")).status_code == 403


def test_drf_tokens_are_moved_with_their_keys_and_deleted(alice):
    old = Token.objects.create(user=alice)
    MIGRATION.move_drf_tokens(apps, None)
    assert not Token.objects.exists()
    moved = APIToken.objects.get()
    assert (moved.user, moved.write_enabled, moved.expires) == (alice, True, None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    response = client.get("/api/")
    assert response.status_code == 200
    assert response.wsgi_request.user == alice
