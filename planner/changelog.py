"""The change log's context and its writers: who makes the current changes, through what, in
which request; and the entries for the writes auditlog does not see.

django-auditlog records every save() and delete() of a planned object, cascades included,
through its signal receivers. Recorded here, in its format: the rows `bulk_create` inserts
(a bulk create or a carve of many Subnets), the nodes a deleted cluster releases (Django
sets their `cluster` to NULL with one UPDATE and no signal), and many-to-many fields (a
cluster's sites, and the clusters a deleted site leaves). The other QuerySet.update() calls
on planned models write bookkeeping columns only, which are not tracked (UNTRACKED_FIELDS).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from copy import copy
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING
from uuid import uuid4

from auditlog import get_logentry_model
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, get_fields_in_model, is_primitive, model_instance_diff
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.signals import m2m_changed, pre_delete
from django.utils import timezone
from django.utils.encoding import smart_str

from planner.choices import ChangeSourceChoices
from planner.constants import SYNC_RUN_REQUEST_ID_PREFIX

if TYPE_CHECKING:  # planner.models imports this module
    from planner.models import SyncRun

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
# The many-to-many signals that change a field's members: each add and remove is recorded
# after it (its ids known), a clear before it (the members it takes still readable).
M2M_ACTIONS = frozenset({"post_add", "post_remove", "pre_clear"})


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
    # What the request authenticated with (DRF's request.auth): an APIToken, or None.
    credential: Callable[[], object] = _nobody


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
    credential: Callable[[], object] | None = None,
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
        credential=credential or context.credential,
    )
    token = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(token)


def recording_run(run: "SyncRun", source: str) -> AbstractContextManager[ChangeContext]:
    """For a Celery task: its changes are made by who asked for the SyncRun `run`, under
    the run's id (`sync-run-<id>`), e.g. `with recording_run(run, ChangeSourceChoices.ADOPT)`."""
    return recording_changes(
        source,
        actor=_known(run.requested_by) if run.requested_by else _nobody,
        request_id=f"{SYNC_RUN_REQUEST_ID_PREFIX}{run.pk}",
    )


def stamp_change(entry: Model) -> None:
    """Fill in who and through what from the current context (ObjectChange.save())."""
    stamp = current_stamp(type(entry))
    entry.source = stamp["source"]
    if entry.actor_id is None and "actor_id" in stamp:
        entry.actor_id, entry.actor_email = stamp["actor_id"], stamp["actor_email"]
    if entry.token_id is None and "token_id" in stamp:
        entry.token_id = stamp["token_id"]


def current_stamp(change_model: type[Model]) -> dict:
    """The current context's who and through what, as an entry's field values."""
    context = _context.get()
    stamp = {"source": context.source}
    user = context.actor()
    if user is not None and user.is_authenticated:
        stamp["actor_id"] = user.pk
        stamp["actor_email"] = getattr(user, "email", None) or None
    token = context.credential()
    # Signed in by session (or not at all), a request has no token.
    if isinstance(token, change_model._meta.get_field("token").related_model):
        stamp["token_id"] = token.pk
    return stamp


def _entry(action: int, instance: Model, changes: dict | None, **stamp) -> Model:
    return get_logentry_model()(
        content_type=ContentType.objects.get_for_model(instance),
        object_pk=str(instance.pk),
        object_id=instance.pk,
        object_repr=str(instance),
        action=action,
        changes=changes,
        cid=current_request_id(),
        **stamp,
    )


def record_changes(action: int, pairs: Iterable[tuple[Model | None, Model | None]]) -> None:
    """One entry for each (before, after) pair, written in one insert: for the writes that
    send no signal. auditlog's own diff gives the entries the same form as its receivers',
    and auditlog's `disable_auditlog()` turns these off with them."""
    _write_entries(
        action,
        ((after if after is not None else before, _diff(before, after)) for before, after in pairs),
    )


def _diff(before: Model | None, after: Model | None) -> dict | None:
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    return model_instance_diff(before, after, use_json_for_changes=use_json)


def record_bulk_created(instances: list[Model]) -> None:
    """Entries for the rows `bulk_create` just inserted (their ids set), all of one model."""
    if instances:
        changes = _created_changes(instances[0])
        _write_entries(
            get_logentry_model().Action.CREATE, ((row, changes(row)) for row in instances)
        )


def _write_entries(action: int, changed: Iterable[tuple[Model, dict | None]]) -> None:
    if auditlog_disabled.get():
        return
    change_model = get_logentry_model()
    # One context for the whole write: its stamp is found once.
    stamp = current_stamp(change_model)
    change_model.objects.bulk_create(
        [_entry(action, instance, changes, **stamp) for instance, changes in changed]
    )


def _created_changes(sample: Model) -> Callable[[Model], dict | None]:
    """auditlog's diff of a new object of `sample`'s model (each tracked field that has a
    value, from nothing), with the tracked fields found once for all the rows of a bulk
    create rather than for each row."""
    registered = auditlog.get_model_fields(type(sample))
    if registered["mask_fields"]:
        return partial(_diff, None)  # auditlog's own diff masks them
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    included, excluded = registered["include_fields"], registered["exclude_fields"]
    fields = [
        field
        for field in get_fields_in_model(sample)
        if (not included or field.name in included) and field.name not in excluded
    ]
    nothing = None if use_json else smart_str(None)

    def changes(row: Model) -> dict | None:
        diff = {}
        for field in fields:
            value = get_field_value(row, field, use_json)
            if value != nothing:
                diff[field.name] = (nothing, value if is_primitive(value) else smart_str(value))
        return diff or None

    return changes


def _record_nodes_released(sender, instance, **kwargs) -> None:
    """A deleted cluster's nodes stay, with no cluster (SET_NULL): Django writes that with
    one UPDATE and no signal, so each node's change is recorded here."""
    released = []
    for node in instance.nodes.all():
        after = copy(node)
        after.cluster = None
        released.append((node, after))
    record_changes(get_logentry_model().Action.UPDATE, released)


def _record_many_to_many(
    field: str, sender, instance: Model, action: str, reverse: bool, pk_set: set | None, **kwargs
) -> None:
    """A many-to-many field (a cluster's sites) changes after its object is saved, by adds
    and removes that send their own signal. Each is folded into the object's entry of the
    same request, as {field: [ids before, ids after]}, so that one request still makes one
    entry per object; with no such entry, it makes one. The planner writes these fields
    from their forward side only (`reverse`: a site's clusters, never written)."""
    if reverse or action not in M2M_ACTIONS or auditlog_disabled.get():
        return
    current = set(getattr(instance, field).values_list("pk", flat=True))
    before, after = {
        "post_add": (current - pk_set if pk_set else current, current),
        "post_remove": (current | (pk_set or set()), current),
        "pre_clear": (current, set()),
    }[action]
    if before != after:
        _fold_into_entry(instance, field, sorted(before), sorted(after))


def _record_member_deleted(
    model: type[Model], field: str, sender, instance: Model, **kwargs
) -> None:
    """Deleting a member (a site) takes it out of every object's field (the clusters'
    `sites`) with one DELETE of the links and no many-to-many signal."""
    if auditlog_disabled.get():
        return
    for owner in model.objects.filter(**{field: instance}).prefetch_related(field):
        before = sorted(member.pk for member in getattr(owner, field).all())
        _fold_into_entry(owner, field, before, [pk for pk in before if pk != instance.pk])


def _fold_into_entry(instance: Model, field: str, before: list, after: list) -> None:
    change_model = get_logentry_model()
    request_id = current_request_id()
    entry = None
    if request_id is not None:
        entries = change_model.objects.get_for_object(instance).filter(cid=request_id)
        entry = entries.order_by("-id").first()
    if entry is None:
        _entry(change_model.Action.UPDATE, instance, {field: [before, after]}).save()
        return
    if entry.action == change_model.Action.CREATE:
        first = None
    else:  # the value before the request, if an earlier add or remove of it recorded one
        first = (entry.changes or {}).get(field, [before])[0]
    entry.changes = {**(entry.changes or {}), field: [first, after]}
    entry.save(update_fields=["changes"])


def register_planned_models(planned: Iterable[type[Model]], cluster: type[Model]) -> None:
    """Track every planned model, its many-to-many fields, and the nodes a deleted `cluster`
    releases (PlannerConfig.ready())."""
    for model in planned:
        secret = SECRET_FIELDS.get(model._meta.model_name, ())
        auditlog.register(model, exclude_fields=[*UNTRACKED_FIELDS, *secret])
        for field in model._meta.many_to_many:
            m2m_changed.connect(
                partial(_record_many_to_many, field.name),
                sender=field.remote_field.through,
                weak=False,
                dispatch_uid=f"planner-changelog-{model._meta.label}.{field.name}",
            )
            pre_delete.connect(
                partial(_record_member_deleted, model, field.name),
                sender=field.related_model,
                weak=False,
                dispatch_uid=f"planner-changelog-{model._meta.label}.{field.name}-member",
            )
    pre_delete.connect(_record_nodes_released, sender=cluster, dispatch_uid=NODES_RELEASED_UID)


def prune_changes(days: int | None = None) -> int:
    """Delete the entries older than `days` (settings.CHANGELOG_RETENTION_DAYS by default);
    returns how many went."""
    days = settings.CHANGELOG_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _by_model = get_logentry_model().objects.filter(timestamp__lt=cutoff).delete()
    return deleted
