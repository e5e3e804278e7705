"""The change log's context and its writers: who makes the current changes, through what, in
which request; and the entries for the writes that send no model signal.

django-auditlog records every save() and delete() of a planned object, cascades included,
through its signal receivers. Three writes send no signal, and are recorded here:
`bulk_create` (a carve or a bulk create of many Subnets), the nodes a deleted cluster
releases (Django sets their `cluster` to NULL with one UPDATE), and nothing else: the other
QuerySet.update() calls on planned models touch only bookkeeping columns, which are not
tracked (UNTRACKED_FIELDS).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import copy
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import uuid4

from auditlog import get_logentry_model
from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.signals import pre_delete
from django.utils import timezone

from planner.choices import ChangeSourceChoices
from planner.constants import SYNC_RUN_REQUEST_ID_PREFIX

# Columns the database or the planner keeps, not the user: address keys, search hints,
# planned sizes (SQL triggers), capacities, timestamps, and when sync last applied an object.
UNTRACKED_FIELDS = (
    "created",
    "last_updated",
    "first_key",
    "last_key",
    "free_from_key",
    "planned_size",
    "ip_key",
    "start_key",
    "end_key",
    "window_first_key",
    "window_last_key",
    "capacity",
    "applied_at",
)
# Never in the log, not even encrypted.
SECRET_FIELDS = {"cluster": ("credentials",)}
NODES_RELEASED_UID = "planner-changelog-nodes-released"


def _nobody() -> None:
    return None


def _known(user: AbstractBaseUser) -> Callable[[], AbstractBaseUser]:
    return lambda: user


@dataclass(frozen=True)
class ChangeContext:
    """Who makes the current changes (`actor` is called when an entry is written: the API
    authenticates a token only in its view, after the middleware), through what, and the id
    shared by the changes of one request, command or sync run."""

    source: str = ChangeSourceChoices.COMMAND
    request_id: str | None = None
    actor: Callable[[], AbstractBaseUser | None] = _nobody


# The default (frozen, so shared safely): a change outside any request, command or task.
_context: ContextVar[ChangeContext] = ContextVar(
    "planner_change_context",
    default=ChangeContext(),  # noqa: B039 - immutable
)


def new_request_id() -> str:
    return str(uuid4())


def current_request_id() -> str | None:
    """The request id of the current changes (settings.AUDITLOG_CID_GETTER)."""
    return _context.get().request_id


@contextmanager
def recording_changes(
    source: str | None = None,
    *,
    user: AbstractBaseUser | None = None,
    actor: Callable[[], AbstractBaseUser | None] | None = None,
    request_id: str | None = None,
) -> Iterator[ChangeContext]:
    """Changes made inside are recorded as made through `source` by `user` (or whom `actor`
    returns), in `request_id`; what is not given is kept from the enclosing context, so a
    carve inside an API request keeps the request's user and id."""
    context = _context.get()
    context = replace(
        context,
        source=source or context.source,
        request_id=request_id or context.request_id,
        actor=_known(user) if user is not None else actor or context.actor,
    )
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


def recording_run(run, source: str):
    """For a Celery task: its changes are made by who asked for the SyncRun `run`, under
    the run's id (`sync-run-<id>`), e.g. `with recording_run(run, ChangeSourceChoices.ADOPT)`."""
    return recording_changes(
        source,
        actor=_known(run.requested_by) if run.requested_by else _nobody,
        request_id=f"{SYNC_RUN_REQUEST_ID_PREFIX}{run.pk}",
    )


def stamp_change(entry: Model) -> None:
    """Fill in who and through what from the current context (ObjectChange.save())."""
    context = _context.get()
    entry.source = context.source
    if entry.actor_id is None:
        user = context.actor()
        if user is not None and user.is_authenticated:
            entry.actor = user
            entry.actor_email = getattr(user, "email", None) or None


def record_changes(action: int, pairs: Iterable[tuple[Model | None, Model | None]]) -> None:
    """One entry for each (before, after) pair, written in one insert: for the writes that
    send no signal. auditlog's own diff gives the entries the same form as its receivers',
    and auditlog's `disable_auditlog()` turns these off with them."""
    if auditlog_disabled.get():
        return
    change_model = get_logentry_model()
    entries = []
    for before, after in pairs:
        instance = after if after is not None else before
        changes = model_instance_diff(
            before, after, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
        )
        entry = change_model(
            content_type=ContentType.objects.get_for_model(instance),
            object_pk=str(instance.pk),
            object_id=instance.pk,
            object_repr=str(instance),
            action=action,
            changes=changes,
            cid=current_request_id(),
        )
        stamp_change(entry)
        entries.append(entry)
    change_model.objects.bulk_create(entries)


def record_bulk_created(instances: list[Model]) -> None:
    """Entries for the rows `bulk_create` just inserted (their ids set)."""
    record_changes(get_logentry_model().Action.CREATE, ((None, row) for row in instances))


def _record_nodes_released(sender, instance, **kwargs) -> None:
    """A deleted cluster's nodes stay, with no cluster (SET_NULL): Django writes that with
    one UPDATE and no signal, so each node's change is recorded here."""
    released = []
    for node in instance.nodes.all():
        after = copy(node)
        after.cluster = None
        released.append((node, after))
    record_changes(get_logentry_model().Action.UPDATE, released)


def register_planned_models(planned: Iterable[type[Model]], cluster: type[Model]) -> None:
    """Track every planned model, and the nodes a deleted `cluster` releases
    (PlannerConfig.ready())."""
    for model in planned:
        secret = SECRET_FIELDS.get(model._meta.model_name, ())
        auditlog.register(model, exclude_fields=[*UNTRACKED_FIELDS, *secret])
    pre_delete.connect(_record_nodes_released, sender=cluster, dispatch_uid=NODES_RELEASED_UID)


def prune_changes(days: int | None = None) -> int:
    """Delete the entries older than `days` (settings.CHANGELOG_RETENTION_DAYS by default);
    returns how many went."""
    days = settings.CHANGELOG_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _by_model = get_logentry_model().objects.filter(timestamp__lt=cutoff).delete()
    return deleted
