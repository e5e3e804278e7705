"""The offline admission review and usage report (ARCHITECTURE.md, "Offline admission review").

`review` replays a manifest against a cluster state as the webhook would see it, one object at
a time. Decisions:
- CREATE when no object of that kind and name is in the state, else UPDATE against it; DELETE
  with `delete=True`.
- An allowed object joins the state (an allowed DELETE removes it, i.e. the review assumes each
  step completes, finalizers included, before the next is pushed).
- IPInstance and Node objects are always allowed: the webhook configuration does not route
  them (SPEC §3, §4.7). They still join the state, so later Subnet deletions see them.
- `allowed` is what Hybridnet would answer; the stricter planner checks are reported beside it
  under "planner" and never change it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import yaml

from ipam.admission import (
    ClusterState,
    Decision,
    review_network_create,
    review_network_delete,
    review_network_update,
    review_subnet_create,
    review_subnet_delete,
    review_subnet_update,
)
from ipam.constants import Kind, Operation
from ipam.errors import ReviewInputError
from ipam.planner_checks import Finding, check_network, check_subnet
from ipam.spec import IPInstanceSpec, NetworkSpec, NodeSpec, SubnetSpec
from ipam.usage import cluster_usage

# libyaml's loader when PyYAML was built with it: 10x faster on 10,000-object states.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

NOT_ROUTED_MESSAGE = "not validated: the Hybridnet webhook does not receive this kind"
# The API server names an object that has only metadata.generateName before any webhook
# sees it: the prefix and 5 characters of this alphabet (apimachinery's rand.String).
GENERATED_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_NAME_SUFFIX_LENGTH = 5

_SPEC_CLASSES = {
    Kind.NETWORK: NetworkSpec,
    Kind.SUBNET: SubnetSpec,
    Kind.IPINSTANCE: IPInstanceSpec,
    Kind.NODE: NodeSpec,
}


def _documents(text: str) -> list[Any]:
    try:
        documents = [doc for doc in yaml.load_all(text, Loader=_YAML_LOADER) if doc is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ReviewInputError(
            f"unreadable YAML{where}: {getattr(error, 'problem', error)}"
        ) from None
    if len(documents) == 1 and isinstance(documents[0], list):  # a JSON (or YAML) list
        documents = documents[0]
    expanded: list[Any] = []
    for doc in documents:  # `kubectl get -o yaml` wraps objects in a List
        is_list = isinstance(doc, Mapping) and str(doc.get("kind", "")).endswith("List")
        expanded.extend((doc.get("items") or []) if is_list else [doc])
    return expanded


def load_objects(text: str) -> list[dict[str, Any]]:
    """Objects of a multi-document YAML or a JSON list, checked to be readable."""
    objects = _documents(text)
    for index, obj in enumerate(objects, start=1):
        if not isinstance(obj, Mapping):
            raise ReviewInputError(f"object {index}: not a mapping")
        kind = obj.get("kind")
        if kind not in Kind.ALL:
            raise ReviewInputError(
                f"object {index}: unknown kind {kind!r} (known: {', '.join(Kind.ALL)})"
            )
    named = [_named(obj, index) for index, obj in enumerate(objects, start=1)]
    for obj in named:
        _SPEC_CLASSES[obj["kind"]].from_k8s(obj)  # field types are checked here, once
    return named


def _named(obj: Mapping[str, Any], index: int) -> dict[str, Any]:
    """The object with its metadata.name, generated from metadata.generateName as the API
    server would (the same name for the same object and place, so reviews repeat)."""
    metadata = obj.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, Mapping) else {}
    name, prefix = metadata.get("name"), metadata.get("generateName")
    if (not isinstance(name, str) or not name) and isinstance(prefix, str) and prefix:
        metadata["name"] = name = prefix + _generated_suffix(f"{index}:{prefix}")
    if not isinstance(name, str) or not name:
        raise ReviewInputError(
            f"object {index}: {obj['kind']} without metadata.name or metadata.generateName"
        )
    return {**obj, "metadata": metadata}


def _generated_suffix(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    alphabet = GENERATED_NAME_ALPHABET
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:GENERATED_NAME_SUFFIX_LENGTH])


def _key(obj: Mapping[str, Any]) -> tuple[str, str]:
    metadata = obj["metadata"]
    if obj["kind"] == Kind.IPINSTANCE:
        return metadata.get("namespace") or "", metadata["name"]
    return "", metadata["name"]


def _existing(state: ClusterState, kind: str, key: tuple[str, str]) -> Any:
    if kind == Kind.NETWORK:
        return state.networks.get(key[1])
    if kind == Kind.SUBNET:
        return state.subnets.get(key[1])
    if kind == Kind.IPINSTANCE:
        return state.ipinstances.get(key)
    return state.nodes.get(key[1])


def _remove(state: ClusterState, kind: str, key: tuple[str, str]) -> None:
    if kind == Kind.NETWORK:
        state.remove_network(key[1])
    elif kind == Kind.SUBNET:
        state.remove_subnet(key[1])
    elif kind == Kind.IPINSTANCE:
        state.remove_ipinstance(*key)
    else:
        state.remove_node(key[1])


_CREATE = {Kind.NETWORK: review_network_create, Kind.SUBNET: review_subnet_create}
_UPDATE = {Kind.NETWORK: review_network_update, Kind.SUBNET: review_subnet_update}
_DELETE = {Kind.NETWORK: review_network_delete, Kind.SUBNET: review_subnet_delete}
_CHECKS = {Kind.NETWORK: check_network, Kind.SUBNET: check_subnet}


def _decide(
    state: ClusterState, obj: Mapping[str, Any], operation: str, old: Any
) -> tuple[Decision, list[Finding]]:
    kind = obj["kind"]
    if kind not in Kind.WEBHOOK:
        return Decision.allow(NOT_ROUTED_MESSAGE), []
    if operation == Operation.DELETE:
        return _DELETE[kind](state, obj["metadata"]["name"]), []
    new = _SPEC_CLASSES[kind].from_k8s(obj)
    if operation == Operation.CREATE:
        decision = _CREATE[kind](state, new)
    else:
        decision = _UPDATE[kind](state, old, new)
    return decision, _CHECKS[kind](state, new, old)


def review(
    state_objs: list[Mapping[str, Any]],
    objects: list[Mapping[str, Any]],
    delete: bool = False,
    **state_options: Any,
) -> dict[str, Any]:
    """Review `objects` in order against `state_objs` (both as from `load_objects`).
    `state_options` go to `ClusterState` (e.g. `multicluster=True`)."""
    state = ClusterState.from_objects(state_objs, **state_options)
    results = []
    for obj in objects:
        kind, key = obj["kind"], _key(obj)
        old = _existing(state, kind, key)
        if delete:
            operation = Operation.DELETE
        else:
            operation = Operation.CREATE if old is None else Operation.UPDATE
        decision, findings = _decide(state, obj, operation, old)
        if decision.allowed:
            if operation == Operation.DELETE:
                _remove(state, kind, key)
            else:
                state.put_object(obj)
        results.append(
            {
                "kind": kind,
                "name": key[1],
                "operation": operation,
                "allowed": decision.allowed,
                "message": decision.message,
                "rule": decision.rule,
                "planner": [finding.as_dict() for finding in findings],
            }
        )
    return {"allowed": all(result["allowed"] for result in results), "results": results}


def usage(state_objs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """What hybridnet-manager would write into status, as `hybridnet_usage -o json`."""
    by_kind: dict[str, list[Any]] = {kind: [] for kind in Kind.ALL}
    for obj in state_objs:
        by_kind[obj["kind"]].append(_SPEC_CLASSES[obj["kind"]].from_k8s(obj))
    return cluster_usage(by_kind[Kind.NETWORK], by_kind[Kind.SUBNET], by_kind[Kind.IPINSTANCE])
