"""`manage.py hybridnet_review` / `hybridnet_usage` run as a pipeline would run them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

NETWORK = {
    "apiVersion": "networking.alibaba.com/v1",
    "kind": "Network",
    "metadata": {"name": "init"},
    "spec": {"type": "Overlay", "mode": "VXLAN", "netID": 4},
}
INIT = {
    "apiVersion": "networking.alibaba.com/v1",
    "kind": "Subnet",
    "metadata": {"name": "init"},
    "spec": {"network": "init", "range": {"version": "4", "cidr": "100.64.0.0/16"}},
}
POD_IP = {
    "apiVersion": "networking.alibaba.com/v1",
    "kind": "IPInstance",
    "metadata": {
        "name": "100-64-0-5",
        "namespace": "default",
        "labels": {"networking.alibaba.com/subnet": "init"},
    },
    "spec": {
        "network": "init",
        "subnet": "init",
        "address": {"ip": "100.64.0.5/16", "version": "4"},
        "binding": {"nodeName": ""},
    },
}


def subnet(name, cidr, **range_):
    return {
        "apiVersion": "networking.alibaba.com/v1",
        "kind": "Subnet",
        "metadata": {"name": name},
        "spec": {"network": "init", "range": {"version": "4", "cidr": cidr, **range_}},
    }


def run(*args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def files(tmp_path):
    def write(name, *objects, text=None):
        path = tmp_path / name
        path.write_text(text if text is not None else yaml.safe_dump_all(objects))
        return str(path)

    return write


def test_all_allowed_exits_0_with_text_lines(files):
    state = files("state.yaml", NETWORK, INIT)
    objects = files("objects.yaml", subnet("extra", "100.65.0.0/24"))
    done = run("hybridnet_review", "--state", state, objects)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ALLOWED  Subnet/extra  CREATE\n", "")


def test_denied_exits_1_and_json_has_the_contract_keys(files):
    state = files("state.yaml", NETWORK, INIT)
    objects = files(
        "objects.json",
        text=json.dumps([subnet("clash", "100.64.1.0/24"), subnet("fine", "100.66.0.0/24")]),
    )
    done = run("hybridnet_review", "--state", state, "-o", "json", objects)
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["allowed"] is False
    assert [
        {k: r[k] for k in ("kind", "name", "operation", "allowed", "message")}
        for r in result["results"]
    ] == [
        {
            "kind": "Subnet",
            "name": "clash",
            "operation": "CREATE",
            "allowed": False,
            "message": "different but overlapped CIDR with existing subnet init, "
            "this is not suppored yet",
        },
        {
            "kind": "Subnet",
            "name": "fine",
            "operation": "CREATE",
            "allowed": True,
            "message": "validation pass",
        },
    ]


def test_text_output_shows_denial_and_planner_findings(files):
    state = files("state.yaml", NETWORK, INIT)
    objects = files(
        "objects.yaml",
        subnet("clash", "100.64.1.0/24"),
        subnet("dup", "100.65.0.0/24", excludeIPs=["100.65.0.9", "100.65.0.9"]),
    )
    done = run("hybridnet_review", "--state", state, objects)
    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert lines[0] == (
        "DENIED   Subnet/clash  CREATE  different but overlapped CIDR with "
        "existing subnet init, this is not suppored yet"
    )
    assert lines[1].startswith("    planner error  WINDOW_OVERLAP  ")
    assert lines[2] == "ALLOWED  Subnet/dup  CREATE"
    assert lines[3].startswith("    planner error  DUPLICATE  spec.range.excludeIPs")


def test_delete_mode(files):
    state = files("state.yaml", NETWORK, INIT, POD_IP)
    done = run("hybridnet_review", "--state", state, "--delete", files("del.yaml", INIT))
    assert (done.returncode, done.stdout) == (
        1,
        "DENIED   Subnet/init  DELETE  still have using ips [100.64.0.5]\n",
    )


@pytest.mark.parametrize(
    ("state_text", "objects_text", "message"),
    [
        (None, "kind: Network\nmetadata: {name: n}\n", "cannot read"),
        ("kind: [oops", "[]", "unreadable YAML"),
        ("kind: Pod\nmetadata: {name: p}\n", "[]", "unknown kind 'Pod'"),
        ("[]", "kind: Subnet\nmetadata: {}\n", "Subnet without metadata.name"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(files, tmp_path, state_text, objects_text, message):
    state = (
        files("state.yaml", text=state_text)
        if state_text is not None
        else str(tmp_path / "missing.yaml")
    )
    done = run("hybridnet_review", "--state", state, files("objects.yaml", text=objects_text))
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_usage_json_and_text(files):
    state = files("state.yaml", NETWORK, INIT, POD_IP)
    done = run("hybridnet_usage", "--state", state, "-o", "json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == {
        "subnets": {"init": {"total": 65534, "used": 1, "available": 65533}},
        "networks": {
            "init": {
                "IPv4": {"total": 65534, "used": 1, "available": 65533},
                "IPv6": {"total": 0, "used": 0, "available": 0},
                "DualStack": {"available": 0},
            }
        },
    }
    text = run("hybridnet_usage", "--state", state)
    assert text.returncode == 0
    assert text.stdout.splitlines()[1].split() == ["Subnet", "init", "65534", "1", "65533"]


def test_usage_unreadable_state_exits_2(tmp_path):
    done = run("hybridnet_usage", "--state", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr
