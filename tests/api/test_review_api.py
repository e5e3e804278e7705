"""POST /api/hybridnet/review/ and /usage/: the offline commands' JSON, over HTTP."""

import contextlib
import io
import json

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from planner.api.constants import API_NAMESPACE

pytestmark = pytest.mark.django_db

API = "networking.alibaba.com/v1"
NETWORK = {
    "apiVersion": API,
    "kind": "Network",
    "metadata": {"name": "init"},
    "spec": {"type": "Overlay", "mode": "VXLAN", "netID": 4},
}


def subnet(name: str, cidr: str, version: str = "4", **range_) -> dict:
    return {
        "apiVersion": API,
        "kind": "Subnet",
        "metadata": {"name": name},
        "spec": {"network": "init", "range": {"version": version, "cidr": cidr, **range_}},
    }


def ipinstance(name: str, subnet_name: str, ip: str, version: str) -> dict:
    return {
        "apiVersion": API,
        "kind": "IPInstance",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": {"networking.alibaba.com/subnet": subnet_name},
        },
        "spec": {
            "network": "init",
            "subnet": subnet_name,
            "address": {"ip": ip, "version": version},
            "binding": {"nodeName": "node-1"},
        },
    }


STATE = [
    NETWORK,
    subnet("init", "100.64.0.0/16"),
    subnet("init-v6", "fd00:64::/112", version="6"),
    ipinstance("100-64-0-5", "init", "100.64.0.5/16", "4"),
    ipinstance("fd00-64--5", "init-v6", "fd00:64::5/112", "6"),
]
STATE_YAML = yaml.safe_dump_all(STATE)


@pytest.fixture
def client() -> APIClient:
    """Signed in, with no model permission: the review reads nothing stored."""
    client = APIClient()
    client.force_authenticate(User.objects.create_user("pipeline"))
    return client


def command_json(tmp_path, command: str, *args: str, **files: object) -> dict:
    """What `manage.py <command> -o json` prints for these files."""
    paths = []
    for name, objects in files.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(objects))
        paths.append(str(path))
    state, *objects = paths
    out = io.StringIO()
    # Exit 1 when something is denied: the JSON is printed all the same.
    with contextlib.suppress(SystemExit):
        call_command(command, "--state", state, "-o", "json", *args, *objects, stdout=out)
    return json.loads(out.getvalue())


def review_url() -> str:
    return reverse(f"{API_NAMESPACE}:hybridnet-review")


def usage_url() -> str:
    return reverse(f"{API_NAMESPACE}:hybridnet-usage")


def test_review_answers_the_commands_json(client, tmp_path):
    objects = [subnet("clash", "100.64.1.0/24"), subnet("fine", "100.66.0.0/24")]
    response = client.post(review_url(), {"state": STATE_YAML, "objects": objects}, format="json")
    assert response.status_code == 200
    assert response.json() == command_json(
        tmp_path, "hybridnet_review", state=STATE, objects=objects
    )
    assert response.json()["allowed"] is False
    assert [item["allowed"] for item in response.json()["results"]] == [False, True]


def test_review_of_deletes(client, tmp_path):
    objects = [subnet("init-v6", "fd00:64::/112", version="6")]
    body = {"state": STATE, "objects": objects, "delete": True}
    response = client.post(review_url(), body, format="json")
    expected = command_json(tmp_path, "hybridnet_review", "--delete", state=STATE, objects=objects)
    assert response.json() == expected
    [result] = response.json()["results"]
    assert (result["operation"], result["allowed"]) == ("DELETE", False)
    assert "still have using ips" in result["message"]


def test_usage_answers_the_commands_json(client, tmp_path):
    response = client.post(usage_url(), {"state": STATE}, format="json")
    assert response.status_code == 200
    assert response.json() == command_json(tmp_path, "hybridnet_usage", state=STATE)
    assert response.json()["subnets"]["init-v6"] == {"total": 65535, "used": 1, "available": 65534}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"state": "kind: [", "objects": []}, "state", "unreadable YAML"),
        (
            {"state": [], "objects": [{"kind": "Pod", "metadata": {"name": "x"}}]},
            "objects",
            "unknown kind 'Pod'",
        ),
        ({"state": [{"kind": "Subnet"}], "objects": []}, "state", "Subnet without metadata.name"),
        ({"state": 7, "objects": []}, "state", "not a mapping"),
        ({"objects": []}, "state", "This field is required."),
    ],
)
def test_unreadable_input_is_a_400_naming_the_field(client, body, field, message):
    response = client.post(review_url(), body, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_a_body_that_is_not_json_is_a_400(client):
    response = client.generic("POST", usage_url(), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_anonymous_callers_are_refused():
    response = APIClient().post(usage_url(), {"state": []}, format="json")
    assert response.status_code == 401
