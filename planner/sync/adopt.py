"""Adopt (brownfield): bring the Networks, Subnets and Nodes a live cluster already has into
its plan, through the same write paths and checks as any planned object.

Node addresses and VLAN Subnets are matched to the node segment they fall in, other Subnets
(Overlay, BGP) to the address pool they fall in. Any segment or pool serves, whichever site
holds it: segments and pools never overlap one another, so an address falls in one at most.
What fits nowhere, or collides with what is planned (for this cluster or another), is
skipped with the reason; what is planned already is compared, never overwritten."""

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipam.errors import ReviewInputError
from ipam.spec import NetworkSpec, SubnetSpec
from planner.addressing import address_key, parse_address
from planner.choices import NetworkModeChoices, SyncOutcomeChoices
from planner.kube.gateway import KubeGateway
from planner.models import (
    AddressPool,
    Cluster,
    Network,
    Node,
    NodeSegment,
    Subnet,
    SyncRun,
    SyncRunResult,
)
from planner.services.errors import BulkValidationError, PlanError
from planner.services.networks import save_new_network
from planner.services.specs import network_spec, subnet_spec
from planner.services.subnets import save_new_subnets

NODE_KIND = "Node"
# The Node address Hybridnet's nodes are reached at (status.addresses[].type).
INTERNAL_IP = "InternalIP"


class Skipped(Exception):
    """The object is not imported; the message says why."""


@dataclass(frozen=True)
class AdoptResult:
    kind: str
    name: str
    outcome: str
    message: str = ""


def adopt(run: SyncRun, gateway: KubeGateway) -> dict[str, int]:
    """Read the cluster's Nodes, Networks and Subnets, import what is not planned yet, record
    each object's outcome on `run`, and answer the count of each outcome. The live objects
    are read first: a cluster that cannot be read changes nothing."""
    nodes, networks, subnets = gateway.list_nodes(), gateway.list_networks(), gateway.list_subnets()
    run.total = len(nodes) + len(networks) + len(subnets)
    run.save(update_fields=["total"])
    with transaction.atomic():
        results = ClusterAdoption(run.cluster).adopt(nodes, networks, subnets)
        SyncRunResult.objects.bulk_create(
            SyncRunResult(run=run, **asdict(result)) for result in results
        )
        run.done = len(results)
        run.save(update_fields=["done"])
    return dict(Counter(result.outcome for result in results))


class ClusterAdoption:
    """One adopt of one cluster: Nodes first (the Underlay selectors match them), then
    Networks, then the Subnets that name them, each in name order."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.now: datetime = timezone.now()
        # Subnets that fit, stored together once all are read (_store_subnets).
        self.fitting: list[Subnet] = []

    def adopt(
        self, nodes: list[dict], networks: list[dict], subnets: list[dict]
    ) -> list[AdoptResult]:
        selector_keys = {key for obj in networks for key in _node_selector(obj)}
        planned_nodes = {node.name: node for node in self.cluster.nodes.all()}
        results = [
            self._result(NODE_KIND, obj, self._adopt_node, planned_nodes, selector_keys)
            for obj in _by_name(nodes)
        ]
        planned_networks = {network.name: network for network in self.cluster.networks.all()}
        results += [
            self._result(Network.__name__, obj, self._adopt_network, planned_networks)
            for obj in _by_name(networks)
        ]
        # The Networks as now planned, imported ones included, with their cluster for the
        # review of each Subnet.
        networks_now = {
            network.name: network for network in self.cluster.networks.select_related("cluster")
        }
        planned_subnets = {
            subnet.name: subnet for subnet in self.cluster.subnets.select_related("network")
        }
        subnet_results = [
            self._result(Subnet.__name__, obj, self._adopt_subnet, planned_subnets, networks_now)
            for obj in _by_name(subnets)
        ]
        refusals = _store_subnets(self.fitting)
        return results + [
            replace(result, outcome=SyncOutcomeChoices.SKIPPED, message=refusals[result.name])
            if result.name in refusals
            else result
            for result in subnet_results
        ]

    def _result(
        self, kind: str, obj: dict, adopt_one: Callable[..., tuple[str, str]], *context: Any
    ) -> AdoptResult:
        name = (obj.get("metadata") or {}).get("name", "")
        try:
            outcome, message = adopt_one(obj, *context)
        except Skipped as reason:
            outcome, message = SyncOutcomeChoices.SKIPPED, str(reason)
        return AdoptResult(kind=kind, name=name, outcome=outcome, message=message)

    def _adopt_node(
        self, obj: dict, planned: dict[str, Node], selector_keys: set[str]
    ) -> tuple[str, str]:
        name = obj["metadata"]["name"]
        addresses = [
            item.get("address", "")
            for item in (obj.get("status") or {}).get("addresses") or []
            if item.get("type") == INTERNAL_IP
        ]
        if not addresses:
            raise Skipped(f"node {name} has no {INTERNAL_IP}")
        if name in planned:
            return self._compare_node(planned[name], addresses)
        segment, ip = _segment_of(addresses)
        labels = (obj["metadata"].get("labels") or {}).items()
        node = Node(
            name=name,
            segment=segment,
            ip=ip,
            cluster=self.cluster,
            # Only what the Underlay selectors read: the labels the plan says a node needs.
            labels={key: value for key, value in labels if key in selector_keys},
        )
        with refused():
            node.full_clean()
            node.save()
        return SyncOutcomeChoices.IMPORTED, f"{ip} in node segment {segment.name}"

    def _compare_node(self, node: Node, addresses: list[str]) -> tuple[str, str]:
        if node.ip in {_canonical(address) for address in addresses}:
            return SyncOutcomeChoices.UNCHANGED, ""
        raise Skipped(
            f"already planned with IP {node.ip}, the cluster has {', '.join(addresses)}; "
            "not overwritten"
        )

    def _adopt_network(self, obj: dict, planned: dict[str, Network]) -> tuple[str, str]:
        # An empty type is Underlay to Hybridnet (GetNetworkType): planned as such, which an
        # apply may then write out (NU-1 allows it). The mode stays as written (NU-3).
        spec = _parsed(NetworkSpec, obj)
        spec = replace(spec, type=spec.effective_type)
        if spec.name in planned:
            stored = planned[spec.name]
            return self._compare(stored, network_spec(stored).to_k8s(), spec.to_k8s())
        network = Network(
            cluster=self.cluster,
            name=spec.name,
            type=spec.type,
            mode=spec.mode,
            net_id=spec.net_id,
            node_selector=dict(spec.node_selector),
            bgp_peers=[peer.to_k8s() for peer in spec.bgp_peers],
            applied_at=self.now,
        )
        with refused():
            save_new_network(network)
        return SyncOutcomeChoices.IMPORTED, ""

    def _adopt_subnet(
        self, obj: dict, planned: dict[str, Subnet], networks: dict[str, Network]
    ) -> tuple[str, str]:
        spec = _parsed(SubnetSpec, obj)
        if spec.name in planned:
            stored = planned[spec.name]
            return self._compare(stored, subnet_spec(stored).to_k8s(), spec.to_k8s())
        network = networks.get(spec.network)
        if network is None:
            raise Skipped(f"its network {spec.network!r} is not in the plan")
        address_range = spec.range
        subnet = Subnet(
            network=network,
            name=spec.name,
            cidr=address_range.cidr,
            gateway=address_range.gateway,
            start=address_range.start,
            end=address_range.end,
            reserved_ips=list(address_range.reserved_ips),
            exclude_ips=list(address_range.exclude_ips),
            net_id=spec.net_id,
            private=spec.private,
            auto_nat_outgoing=spec.auto_nat_outgoing,
            applied_at=self.now,
        )
        with refused():
            subnet.normalize_addresses()
            _place(subnet)
        self.fitting.append(subnet)
        source = subnet.segment or subnet.pool
        return SyncOutcomeChoices.IMPORTED, f"{subnet.cidr} in {_describe(source)}"

    def _compare(self, stored: Network | Subnet, planned: dict, live: dict) -> tuple[str, str]:
        """A live object the plan has already: the same spec is marked applied, a different
        one is reported with the fields that differ, and left as planned."""
        differing = _differences(planned["spec"], live["spec"])
        if differing:
            raise Skipped(
                f"already planned with a different spec ({', '.join(differing)}); not overwritten"
            )
        if stored.applied_at is None:
            type(stored).objects.filter(pk=stored.pk).update(applied_at=self.now)
            return SyncOutcomeChoices.UNCHANGED, "as planned; now known to be applied"
        return SyncOutcomeChoices.UNCHANGED, ""


def _store_subnets(subnets: list[Subnet]) -> dict[str, str]:
    """Store `subnets` through save_new_subnets, in bulk: those it names as invalid are left
    out and the rest tried again. A review refusal names no subnet: then each is stored
    alone. Answers the refused ones' reasons, by name."""
    refusals: dict[str, str] = {}
    while subnets:
        try:
            save_new_subnets(subnets)
        except BulkValidationError as error:
            refusals.update({subnets[i].name: _reason(e) for i, e in error.errors.items()})
            subnets = [subnet for i, subnet in enumerate(subnets) if i not in error.errors]
            continue
        except PlanError:
            return refusals | _store_each(subnets)
        break
    return refusals


def _store_each(subnets: list[Subnet]) -> dict[str, str]:
    refusals = {}
    for subnet in subnets:
        try:
            with refused():
                save_new_subnets([subnet])
        except Skipped as reason:
            refusals[subnet.name] = str(reason)
    return refusals


def _place(subnet: Subnet) -> None:
    """A VLAN Subnet is a slice of the node segment its CIDR falls in, any other a block of
    the pool it falls in; the model's checks then say whether it fits there."""
    vlan = subnet.network.effective_mode == NetworkModeChoices.VLAN
    model = NodeSegment if vlan else AddressPool
    space = model.objects.first_overlapping(subnet.family, subnet.first_key, subnet.last_key)
    if space is None:
        raise Skipped(f"{subnet.cidr} falls in no {model._meta.verbose_name}")
    if vlan:
        subnet.segment = space
    else:
        subnet.pool = space


def _segment_of(addresses: list[str]) -> tuple[NodeSegment, str]:
    """The first of the node's addresses that falls in a node segment, and that segment."""
    for text in addresses:
        try:
            address = parse_address(text)
        except ValidationError:
            continue
        key = address_key(address.family, address.value)
        segment = NodeSegment.objects.first_overlapping(address.family, key, key)
        if segment is not None:
            return segment, address.text
    raise Skipped(f"{', '.join(addresses)} falls in no node segment")


def _canonical(text: str) -> str:
    try:
        return parse_address(text).text
    except ValidationError:
        return text


def _describe(space: NodeSegment | AddressPool) -> str:
    return f"{space._meta.verbose_name} {space.name}"


def _parsed(spec_class: type, obj: dict):
    try:
        spec = spec_class.from_k8s(obj)
    except ReviewInputError as error:
        raise Skipped(str(error)) from None
    if spec.terminating:
        raise Skipped("being deleted in the cluster")
    return spec


def _node_selector(obj: dict) -> dict:
    return (obj.get("spec") or {}).get("nodeSelector") or {}


def _by_name(objects: list[dict]) -> list[dict]:
    return sorted(objects, key=lambda obj: (obj.get("metadata") or {}).get("name", ""))


def _differences(planned: dict, live: dict, prefix: str = "") -> list[str]:
    """The dotted names of the fields whose values differ, nested mappings compared field
    by field."""
    differing = []
    for key in sorted(planned.keys() | live.keys()):
        mine, theirs = planned.get(key), live.get(key)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            differing += _differences(mine, theirs, f"{prefix}{key}.")
        elif mine != theirs:
            differing.append(f"{prefix}{key}")
    return differing


@contextmanager
def refused() -> Iterator[None]:
    """A write the plan's checks refuse is skipped, with their reason; the savepoint keeps
    the rest of the adopt."""
    try:
        with transaction.atomic():
            yield
    except BulkValidationError as error:
        raise Skipped(_reason(next(iter(error.errors.values())))) from None
    except (ValidationError, PlanError) as error:
        raise Skipped(_reason(error)) from None
    except IntegrityError as error:
        raise Skipped(f"conflicts with a concurrent change: {error}") from None


def _reason(error: ValidationError | PlanError) -> str:
    if isinstance(error, PlanError):
        return error.message
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)
    return "; ".join(
        message if field == NON_FIELD_ERRORS else f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )
