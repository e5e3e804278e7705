"""Schemathesis against the OpenAPI schema: generated requests, signed in as a superuser with
a token, must never get a 500 nor an answer that the schema does not describe.

Requests go to the WSGI application in-process, inside the test's transaction. Path ids are
drawn either from the generator or from rows seeded for the test, so detail, update, delete,
carve, free and manifest operations also meet real objects.
"""

import json

import pytest
import schemathesis
import yaml
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.media_types import YAML_MEDIA_TYPES
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from planner.choices import NetworkTypeChoices, ReservationKindChoices, SyncActionChoices
from planner.models import (
    APIToken,
    ObservedIPInstance,
    ObservedSubnetStatus,
    Reservation,
    SyncRun,
)
from planner.services.carving import carve_pool, carve_segment
from tests.planner.factories import (
    make_cluster,
    make_network,
    make_node,
    make_pool,
    make_segment,
    make_site,
)

# Examples per operation: about 80 operations in a minute or two.
EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]

schema = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    # Revoking could hit the very token the examples sign in with, and fail every later one
    # with 401 (revoking is tested in tests/api/test_tokens.py).
).exclude(method="DELETE", path="/api/tokens/{id}/")
# Ids of the rows seeded for the running test, by collection path ("/api/segments/").
seeded_ids: dict[str, list[int]] = {}


@schemathesis.deserializer(*YAML_MEDIA_TYPES)
def yaml_stream_as_text(context, response) -> str:
    """The manifest endpoints' YAML is documented as a string: a multi-document stream for
    `kubectl apply -f -`, which the built-in reader (one document) cannot read. Check that
    it parses, then validate it as the text it is."""
    text = response.content.decode(response.encoding or "utf-8")
    list(yaml.safe_load_all(text))
    return text


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters or "id" not in path_parameters:
        return st.just(path_parameters)
    collection = context.operation.path.split("{id}")[0]
    ids = st.sampled_from(seeded_ids.get(collection) or [path_parameters["id"]])
    return st.one_of(st.just(path_parameters["id"]), ids).map(
        lambda pk: {**path_parameters, "id": pk}
    )


def seed() -> dict[str, list[int]]:
    """One of everything, IPv4 and IPv6, related the way a real plan is."""
    site = make_site("hz-dc1")
    segment = make_segment(site=site)
    segment_v6 = make_segment("fd00:56::/64", "fd00:56::1", "seg-v6", site)
    pool = make_pool("100.64.0.0/16", "overlay")
    pool_v6 = make_pool("fd00:64::/48", "overlay-v6")
    cluster = make_cluster()
    cluster.credentials = "kubeconfig"
    cluster.save()
    node = make_node(segment, "192.168.56.2", "node-1", cluster)
    node_v6 = make_node(segment_v6, "fd00:56::2", "node-2", cluster)
    underlay = make_network(cluster, "underlay-1", net_id=0)
    overlay = make_network(cluster, "init", type=NetworkTypeChoices.OVERLAY, net_id=4)
    subnets = [
        carve_segment(segment, network=underlay, name="slice", size=20),
        carve_segment(segment_v6, network=underlay, name="slice-v6", size=20),
        carve_pool(pool, network=overlay, name="init", prefixlen=24),
        carve_pool(pool_v6, network=overlay, name="init-v6", prefixlen=120),
    ]
    reservation = Reservation(
        segment=segment, start="192.168.56.250", kind=ReservationKindChoices.INFRASTRUCTURE
    )
    reservation.save()
    now = timezone.now()
    ip = ObservedIPInstance.objects.create(
        cluster=cluster,
        namespace="default",
        name="pod",
        ip="100.64.0.5",
        subnet_name="init",
        network_name="init",
        observed_at=now,
    )
    status = ObservedSubnetStatus.objects.create(
        cluster=cluster, subnet_name="init", total=254, used=1, available=253, observed_at=now
    )
    run = SyncRun.objects.create(cluster=cluster, action=SyncActionChoices.PULL)
    return {
        "/api/sites/": [site.pk],
        "/api/segments/": [segment.pk, segment_v6.pk],
        "/api/pools/": [pool.pk, pool_v6.pk],
        "/api/nodes/": [node.pk, node_v6.pk],
        "/api/reservations/": [reservation.pk],
        "/api/clusters/": [cluster.pk],
        "/api/networks/": [underlay.pk, overlay.pk],
        "/api/subnets/": [subnet.pk for subnet in subnets],
        "/api/ip-instances/": [ip.pk],
        "/api/subnet-statuses/": [status.pk],
        "/api/sync-runs/": [run.pk],
    }


@pytest.fixture
def app():
    """The WSGI application, kept from closing the test's database connection after each
    request (Django's test client does the same)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield get_wsgi_application()
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(db) -> str:
    seeded_ids.clear()
    seeded_ids.update(seed())
    user = User.objects.create_superuser("schemathesis")
    yield APIToken.objects.issue(user)[1]
    seeded_ids.clear()


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    # The seeded rows are shared by the examples of an operation, on purpose.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema(case, app, token):
    case.call_and_validate(
        app=app,
        headers={"Authorization": f"Token {token}"},
        checks=CHECKS,
    )
