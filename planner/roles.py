"""Roles: the built-in groups (made by migration 0020) and operators limited to some clusters.

`viewer` reads everything; `planner` also creates, edits, deletes and carves planned objects;
`operator` also operates (tests, plans, applies, pulls, adopts) every cluster. An operator
limited to chosen clusters is a `planner` holding the operate permission on each of those
clusters only, as django-guardian object permissions.
"""

from collections.abc import Iterable

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Model, QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from planner.models import Cluster, Node, ObservedIPInstance, Subnet
from planner.models.clusters import OPERATE_CLUSTER

VIEWER, PLANNER, OPERATOR = "viewer", "planner", "operator"
ROLES = (VIEWER, PLANNER, OPERATOR)
OPERATE_CLUSTER_PERMISSION = f"{Cluster._meta.app_label}.{OPERATE_CLUSTER}"


def model_permission(model: type[Model], action: str) -> str:
    """The permission name Django gives *action* ("view", "add", ...) on *model*."""
    opts = model._meta
    return f"{opts.app_label}.{get_permission_codename(action, opts)}"


# Reading what pulls observed against the plan (drift, conflicts): in the API and the UI alike.
OBSERVATION_PERMISSIONS = [
    model_permission(model, "view") for model in (Cluster, ObservedIPInstance, Subnet, Node)
]


class RoleError(ValueError):
    """A role assignment that cannot be made; the message says why."""


def can_operate(user: User, cluster: Cluster) -> bool:
    """Whether *user* may test, plan, apply, pull and adopt *cluster* (the UI hides the
    buttons otherwise)."""
    return user.has_perm(OPERATE_CLUSTER_PERMISSION) or user.has_perm(
        OPERATE_CLUSTER_PERMISSION, cluster
    )


def operable_clusters(user: User) -> QuerySet[Cluster]:
    """The clusters *user* may operate, in one query: all of them for an unlimited operator."""
    return get_objects_for_user(user, OPERATE_CLUSTER_PERMISSION, Cluster)


def roles_of(user: User) -> list[str]:
    return [group.name for group in user.groups.all() if group.name in ROLES]


def limited_clusters(user: User) -> QuerySet[Cluster]:
    """The clusters an operator limited to some clusters may operate (none for others)."""
    return get_objects_for_user(
        user, OPERATE_CLUSTER_PERMISSION, Cluster, with_superuser=False, use_groups=False
    )


@transaction.atomic
def assign_role(user: User, role: str | None, clusters: Iterable[Cluster] = ()) -> None:
    """Make *role* the user's only role (None: no role); an operator given *clusters* may
    operate those only. Replaces the roles and cluster limits the user had."""
    clusters = list(clusters)
    if role is not None and role not in ROLES:
        raise RoleError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    if clusters and role != OPERATOR:
        raise RoleError("only an operator can be limited to clusters")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    remove_perm(OPERATE_CLUSTER_PERMISSION, user, limited_clusters(user))
    if role is None:
        return
    user.groups.add(Group.objects.get(name=PLANNER if clusters else role))
    if clusters:
        assign_perm(OPERATE_CLUSTER_PERMISSION, user, clusters)
