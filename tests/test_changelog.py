"""The change log: every write path records exactly one entry per object changed, with who,
through what, one request id per request, and the changed fields before and after. Runs on
PostgreSQL and on the embedded SQLite (Makefile SQLITE_TESTS)."""

from datetime import timedelta

import pytest
from auditlog.context import disable_auditlog
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from planner.api.constants import API_NAMESPACE, REQUEST_ID_HEADER
from planner.changelog import recording_changes, recording_run
from planner.choices import ChangeSourceChoices, NetworkTypeChoices, SyncActionChoices
from planner.models import (
    PLANNED_MODELS,
    APIToken,
    Cluster,
    Node,
    ObjectChange,
    Reservation,
    Site,
    Subnet,
    SyncRun,
)
from planner.services.subnets import save_new_subnets
from planner.tasks import prune_changes
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_segment,
    slice_of,
)

pytestmark = pytest.mark.django_db

CREATE, UPDATE, DELETE = (
    ObjectChange.Action.CREATE,
    ObjectChange.Action.UPDATE,
    ObjectChange.Action.DELETE,
)
KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: s3cr3t-t0ken}}]\n"
OVERLAY = NetworkTypeChoices.OVERLAY


def url(name: str, **kwargs) -> str:
    return reverse(f"{API_NAMESPACE}:{name}", kwargs=kwargs or None)


def entries_for(instance) -> list[ObjectChange]:
    return list(ObjectChange.objects.get_for_object(instance).order_by("id"))


@pytest.fixture
def planner_user() -> User:
    user = User.objects.create_user("planner-1", email="p1@example.org")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="planner"))
    return user


@pytest.fixture
def api(planner_user) -> APIClient:
    """Signed in with a DRF token: the user is known only once the view authenticates."""
    client = APIClient()
    _token, key = APIToken.objects.issue(planner_user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_api_create_update_delete_record_one_entry_each(api, planner_user) -> None:
    created = api.post(url("site-list"), {"name": "hz-dc1", "description": "first"})
    assert created.status_code == 201
    site = Site.objects.get(pk=created.data["id"])
    changed = api.patch(url("site-detail", pk=site.pk), {"description": "second"})
    unchanged = api.patch(url("site-detail", pk=site.pk), {"description": "second"})
    deleted = api.delete(url("site-detail", pk=site.pk))
    assert (changed.status_code, unchanged.status_code, deleted.status_code) == (200, 200, 204)

    create, update, delete = entries_for(site)  # the save that changed nothing made none
    assert [entry.action for entry in (create, update, delete)] == [CREATE, UPDATE, DELETE]
    assert {entry.actor for entry in (create, update, delete)} == {planner_user}
    # ...with the API token it signed in with.
    assert {entry.token for entry in (create, update, delete)} == {planner_user.api_tokens.get()}
    assert {entry.source for entry in (create, update, delete)} == {ChangeSourceChoices.API}
    assert create.changes["name"] == [None, "hz-dc1"]
    assert update.changes == {"description": ["first", "second"]}
    assert delete.changes["description"] == ["second", None]
    assert create.cid == created[REQUEST_ID_HEADER]
    assert update.cid == changed[REQUEST_ID_HEADER] != create.cid


def test_a_clusters_sites_are_in_its_one_entry_per_request(api) -> None:
    a, b, c = (Site.objects.create(name=name).pk for name in "abc")
    ObjectChange.objects.all().delete()
    created = api.post(url("cluster-list"), {"name": "prod-a", "sites": [a, b]})
    assert created.status_code == 201
    pk = created.data["id"]
    moved = api.patch(url("cluster-detail", pk=pk), {"sites": [b, c], "description": "moved"})
    assert moved.status_code == 200
    assert api.patch(url("cluster-detail", pk=pk), {"sites": [c, b]}).status_code == 200

    create, update = ObjectChange.objects.get_for_model(Cluster).order_by("id")
    assert create.action == CREATE
    assert create.changes["sites"] == [None, [a, b]]
    assert update.changes == {"sites": [[a, b], [b, c]], "description": ["", "moved"]}
    assert update.cid == moved[REQUEST_ID_HEADER]


def test_deleting_a_site_records_each_cluster_it_leaves(api) -> None:
    a, b = Site.objects.create(name="a"), Site.objects.create(name="b")
    cluster = make_cluster()
    cluster.sites.set([a, b])
    ObjectChange.objects.all().delete()
    response = api.delete(url("site-detail", pk=a.pk))
    assert response.status_code == 204
    (update,) = ObjectChange.objects.get_for_object(cluster)
    assert (update.action, update.changes) == (UPDATE, {"sites": [[a.pk, b.pk], [b.pk]]})
    assert update.cid == response[REQUEST_ID_HEADER]
    assert ObjectChange.objects.count() == 2  # and the site's own


def test_a_bulk_create_of_many_objects_shares_one_request_id(api) -> None:
    response = api.post(url("site-list"), [{"name": f"site-{n}"} for n in range(5)])
    assert response.status_code == 201
    entries = ObjectChange.objects.get_for_model(Site)
    assert entries.count() == 5
    assert {entry.cid for entry in entries} == {response[REQUEST_ID_HEADER]}
    assert {entry.source for entry in entries} == {ChangeSourceChoices.BULK}
    assert {entry.object_id for entry in entries} == {row["id"] for row in response.data}


def test_a_bulk_create_of_subnets_inserted_at_once_records_each(api, planner_user) -> None:
    network = make_network(make_cluster(), "init", type=OVERLAY, net_id=4)
    payload = [
        {"network": network.pk, "name": f"bulk-{n}", "cidr": f"100.80.{n}.0/24"} for n in range(30)
    ]
    response = api.post(url("subnet-list"), payload)
    assert response.status_code == 201
    entries = ObjectChange.objects.get_for_model(Subnet).filter(action=CREATE)
    assert entries.count() == 30
    assert {entry.cid for entry in entries} == {response[REQUEST_ID_HEADER]}
    assert {entry.actor for entry in entries} == {planner_user}
    assert {entry.token for entry in entries} == {planner_user.api_tokens.get()}
    by_id = {entry.object_id: entry for entry in entries}
    for row in response.data:
        assert by_id[row["id"]].changes["cidr"] == [None, row["cidr"]]
        assert by_id[row["id"]].changes["network"] == [None, network.pk]


def test_a_refused_bulk_create_leaves_no_entry(api) -> None:
    network = make_network(make_cluster(), "init", type=OVERLAY, net_id=4)
    payload = [{"network": network.pk, "name": "dup", "cidr": f"100.80.{n}.0/24"} for n in range(3)]
    assert api.post(url("subnet-list"), payload).status_code == 400
    assert not ObjectChange.objects.get_for_model(Subnet).exists()


def test_a_carve_through_the_api_records_the_subnet_and_not_the_search_hint(api) -> None:
    segment = make_segment()
    network = make_network(make_cluster(), "underlay-1", net_id=0)
    ObjectChange.objects.all().delete()
    response = api.post(
        url("nodesegment-carve", pk=segment.pk), {"network": network.pk, "name": "s", "size": 50}
    )
    assert response.status_code == 201
    # The carve raised the segment's search hint with QuerySet.update(): bookkeeping, untracked.
    (entry,) = ObjectChange.objects.all()
    assert (entry.object_id, entry.action) == (response.data["id"], CREATE)
    assert entry.source == ChangeSourceChoices.CARVE
    assert entry.cid == response[REQUEST_ID_HEADER]
    assert entry.changes["start"] == [None, response.data["start"]]


def test_a_carve_of_many_subnets_records_each_under_one_request_id() -> None:
    segment = make_segment()
    network = make_network(make_cluster(), "underlay-1", net_id=0)
    slices = [
        slice_of(segment, network, f"s{n}", f"192.168.56.{n}0", f"192.168.56.{n}9")
        for n in range(1, 8)
    ]
    with recording_changes(ChangeSourceChoices.CARVE, request_id="carve-1"):
        created = save_new_subnets(slices)
    entries = ObjectChange.objects.get_for_model(Subnet)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(s.pk for s in created)
    assert set(entries.values_list("cid", "source")) == {("carve-1", ChangeSourceChoices.CARVE)}


def test_a_bulk_created_subnet_is_recorded_as_a_saved_one_is() -> None:
    segment = make_segment()
    network = make_network(make_cluster(), "underlay-1", net_id=0)
    saved, *_ = save_new_subnets(
        [slice_of(segment, network, "s1", "192.168.56.10", "192.168.56.19")]
    )
    bulk, *_ = save_new_subnets(
        [
            slice_of(segment, network, "s2", "192.168.56.20", "192.168.56.29"),
            slice_of(segment, network, "s3", "192.168.56.30", "192.168.56.39"),
        ]
    )
    (by_save,), (by_bulk,) = entries_for(saved), entries_for(bulk)

    assert by_bulk.changes["start"] == [None, "192.168.56.20"]
    own = ("id", "name", "start", "end")
    assert {field: value for field, value in by_bulk.changes.items() if field not in own} == {
        field: value for field, value in by_save.changes.items() if field not in own
    }
    assert by_bulk.changes.keys() == by_save.changes.keys()


def test_disabling_auditlog_turns_off_the_bulk_entries_too() -> None:
    segment = make_segment()
    network = make_network(make_cluster(), "underlay-1", net_id=0)
    ObjectChange.objects.all().delete()
    slices = [
        slice_of(segment, network, f"s{n}", f"192.168.56.{n}0", f"192.168.56.{n}9") for n in (1, 2)
    ]
    with disable_auditlog():
        save_new_subnets(slices)
    assert not ObjectChange.objects.exists()


def test_deleting_a_cluster_records_each_network_it_takes_and_each_node_it_releases() -> None:
    segment = make_segment()
    cluster = make_cluster()
    node = make_node(segment, "192.168.56.2", cluster=cluster)
    underlay = make_network(cluster, "underlay-1", net_id=0)
    overlay = make_network(cluster, "init", type=OVERLAY, net_id=4)
    ObjectChange.objects.all().delete()

    with recording_changes(ChangeSourceChoices.ADMIN, request_id="delete-1"):
        Cluster.objects.filter(pk=cluster.pk).delete()

    deleted = ObjectChange.objects.filter(action=DELETE)
    assert sorted((entry.content_type.model, entry.object_id) for entry in deleted) == sorted(
        [("cluster", cluster.pk), ("network", underlay.pk), ("network", overlay.pk)]
    )
    (released,) = ObjectChange.objects.filter(action=UPDATE)
    assert (released.object_id, released.changes) == (node.pk, {"cluster": [cluster.pk, None]})
    assert Node.objects.get(pk=node.pk).cluster is None
    assert set(ObjectChange.objects.values_list("cid", flat=True)) == {"delete-1"}


def test_deleting_a_segment_records_each_reservation_it_takes(api) -> None:
    segment = make_segment()
    reservations = [
        Reservation.objects.create(segment=segment, start=f"192.168.56.{n}", end=f"192.168.56.{n}")
        for n in (250, 251)
    ]
    ObjectChange.objects.all().delete()
    response = api.delete(url("nodesegment-detail", pk=segment.pk))
    assert response.status_code == 204
    deleted = ObjectChange.objects.filter(action=DELETE, cid=response[REQUEST_ID_HEADER])
    assert sorted((entry.content_type.model, entry.object_id) for entry in deleted) == sorted(
        [("nodesegment", segment.pk)] + [("reservation", r.pk) for r in reservations]
    )
    assert ObjectChange.objects.count() == 3


def test_the_admin_records_its_changes_with_its_user(admin_client, admin_user) -> None:
    site = Site.objects.create(name="hz-dc1")
    response = admin_client.post(
        reverse("admin:planner_site_change", args=[site.pk]),
        {"name": "hz-dc2", "description": ""},
    )
    assert response.status_code == 302
    (update,) = ObjectChange.objects.get_for_object(site).filter(action=UPDATE)
    assert (update.actor, update.source, update.token) == (
        admin_user,
        ChangeSourceChoices.ADMIN,
        None,
    )
    assert update.changes == {"name": ["hz-dc1", "hz-dc2"]}
    assert update.cid == response[REQUEST_ID_HEADER]


def test_load_demo_records_every_object_under_one_request_id() -> None:
    call_command("load_demo", verbosity=0)
    entries = ObjectChange.objects.all()
    planned = sum(model.objects.count() for model in PLANNED_MODELS)
    assert entries.filter(action=CREATE).count() == planned
    (request_id,) = set(entries.values_list("cid", flat=True))
    assert request_id
    sources = set(entries.values_list("source", flat=True))
    assert sources == {ChangeSourceChoices.COMMAND, ChangeSourceChoices.CARVE}


def test_a_task_records_its_changes_as_its_run_by_who_asked(planner_user) -> None:
    cluster = make_cluster()
    run = SyncRun.objects.create(
        cluster=cluster, action=SyncActionChoices.ADOPT, requested_by=planner_user
    )
    with recording_run(run, ChangeSourceChoices.ADOPT):
        network = make_network(cluster, "adopted", type=OVERLAY, net_id=7)
    (entry,) = entries_for(network)
    assert (entry.actor, entry.source, entry.cid) == (
        planner_user,
        ChangeSourceChoices.ADOPT,
        f"sync-run-{run.pk}",
    )


def test_cluster_credentials_never_appear_in_any_entry(api) -> None:
    created = api.post(url("cluster-list"), {"name": "prod-a", "credentials": KUBECONFIG})
    assert created.status_code == 201
    pk = created.data["id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM planner_cluster WHERE id = %s", [pk])
        (encrypted,) = cursor.fetchone()
    rotated = api.patch(url("cluster-detail", pk=pk), {"credentials": KUBECONFIG + "# v2\n"})
    assert rotated.status_code == 200
    assert api.delete(url("cluster-detail", pk=pk)).status_code == 204

    assert ObjectChange.objects.get_for_model(Cluster).count() == 2  # the rotation: untracked
    for row in ObjectChange.objects.values():
        text = repr(row)
        assert "s3cr3t-t0ken" not in text
        assert "credentials" not in text
        assert encrypted not in text


@pytest.fixture
def history(api, planner_user) -> dict:
    """Two requests by the planner, one change by someone else an hour earlier."""
    other = User.objects.create_user("other")
    with recording_changes(ChangeSourceChoices.COMMAND, user=other, request_id="old"):
        old = Site.objects.create(name="old")
    ObjectChange.objects.filter(cid="old").update(timestamp=timezone.now() - timedelta(hours=1))
    first = api.post(url("site-list"), [{"name": "a"}, {"name": "b"}])
    second = api.patch(url("site-detail", pk=first.data[0]["id"]), {"description": "x"})
    return {
        "old": old,
        "first": first[REQUEST_ID_HEADER],
        "second": second[REQUEST_ID_HEADER],
        "a": first.data[0]["id"],
    }


def listed(api, **params) -> list[dict]:
    response = api.get(url("objectchange-list"), params)
    assert response.status_code == 200, response.data
    return response.data["results"]


def test_the_change_list_filters_by_object_user_request_action_and_time(api, history) -> None:
    a = history["a"]
    assert {row["action"] for row in listed(api, object_type="site", object_id=a)} == {
        "create",
        "update",
    }
    assert [row["object_repr"] for row in listed(api, user="other")] == ["old"]
    assert len(listed(api, request_id=history["first"])) == 2
    (update,) = listed(api, action="update")
    assert (update["object_id"], update["before"], update["after"]) == (
        a,
        {"description": ""},
        {"description": "x"},
    )
    assert update["user"] == "planner-1"
    since = (timezone.now() - timedelta(minutes=30)).isoformat()
    assert {row["request_id"] for row in listed(api, time_after=since)} == {
        history["first"],
        history["second"],
    }
    assert [row["request_id"] for row in listed(api, time_before=since)] == ["old"]
    assert listed(api, object_type="network") == []


@pytest.mark.parametrize(
    "params, field",
    [
        ({"object_type": "kubeconfig"}, "object_type"),
        ({"action": "explode"}, "action"),
        ({"time_after": "yesterday"}, "time"),
        ({"object_id": "seven"}, "object_id"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, history, params, field) -> None:
    response = api.get(url("objectchange-list"), params)
    assert response.status_code == 400
    assert any(key.startswith(field) for key in response.data)


def test_an_objects_history_is_linked_from_its_detail(api, history) -> None:
    response = api.get(url("site-changes", pk=history["a"]))
    assert response.status_code == 200
    assert [row["action"] for row in response.data["results"]] == ["update", "create"]


def test_reading_the_change_log_needs_its_view_permission() -> None:
    user = User.objects.create_user("viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_site"))
    client = APIClient()
    client.force_authenticate(user)
    site = Site.objects.create(name="a")
    assert client.get(url("objectchange-list")).status_code == 403
    assert client.get(url("site-changes", pk=site.pk)).status_code == 403
    assert APIClient().get(url("objectchange-list")).status_code in (401, 403)


def test_the_change_list_costs_the_same_queries_for_2_or_40_entries(api) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert api.get(url("objectchange-list"), {"limit": 100}).status_code == 200
        return len(context.captured_queries)

    Site.objects.bulk_create([Site(name=f"s{n}") for n in range(2)])
    api.post(url("site-list"), [{"name": "x"}, {"name": "y"}])
    few = queries()
    api.post(url("site-list"), [{"name": f"more-{n}"} for n in range(38)])
    assert ObjectChange.objects.count() == 40
    assert queries() == few


def test_pruning_removes_only_entries_older_than_the_retention(settings) -> None:
    settings.CHANGELOG_RETENTION_DAYS = 30
    old, recent = Site.objects.create(name="old"), Site.objects.create(name="recent")
    ObjectChange.objects.get_for_object(old).update(timestamp=timezone.now() - timedelta(days=31))
    ObjectChange.objects.get_for_object(recent).update(
        timestamp=timezone.now() - timedelta(days=29)
    )
    assert prune_changes.apply().get() == 1
    assert list(ObjectChange.objects.values_list("object_id", flat=True)) == [recent.pk]
    call_command("prune_changes", days=1, verbosity=0)
    assert not ObjectChange.objects.exists()


def test_the_prune_command_refuses_a_retention_below_one_day() -> None:
    with pytest.raises(CommandError, match="at least 1"):
        call_command("prune_changes", days=0)


def test_beat_prunes_the_change_log_daily(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["prune-changes"]
    assert entry["task"] == prune_changes.name
    assert entry["schedule"] == timedelta(days=1).total_seconds()
