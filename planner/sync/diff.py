"""What applying a plan would change in a cluster: desired objects against live ones.

Pure: it reads plain dicts in Kubernetes' JSON form (as the apiserver returns them, or as a
pull stored them), never the database or a cluster. Only the fields Hybridplan renders count;
status, metadata, Hybridnet's own labels and whatever another manager adds are not ours to
compare. A rendered field that the plan no longer has counts as a removal only where our field
manager owns it (managedFields): server-side apply removes only what it set itself.
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ipam.constants import Kind
from planner.constants import FIELD_MANAGER, MANAGED_BY_LABELS
from planner.wording import named

NODE_KIND = Kind.NODE
KIND_ORDER = {Kind.NETWORK: 0, Kind.SUBNET: 1, NODE_KIND: 2}

Path = tuple[str, ...]

# The spec fields each kind's manifest renders (planner.services.specs).
RENDERED_FIELDS: dict[str, tuple[Path, ...]] = {
    Kind.NETWORK: (
        ("spec", "type"),
        ("spec", "mode"),
        ("spec", "netID"),
        ("spec", "nodeSelector"),
        ("spec", "config", "bgpPeers"),
    ),
    Kind.SUBNET: (
        ("spec", "network"),
        ("spec", "netID"),
        ("spec", "range", "version"),
        ("spec", "range", "cidr"),
        ("spec", "range", "gateway"),
        ("spec", "range", "start"),
        ("spec", "range", "end"),
        ("spec", "range", "reservedIPs"),
        ("spec", "range", "excludeIPs"),
        ("spec", "config", "autoNatOutgoing"),
        ("spec", "config", "private"),
    ),
}
LABEL_FIELDS: tuple[Path, ...] = tuple(("metadata", "labels", key) for key in MANAGED_BY_LABELS)

# Fields Hybridnet's webhook refuses to change in place, and the rule that says so (SPEC §4.2,
# §4.5, §7; spec.range.version by convention, quirk 1).
IMMUTABLE_FIELDS: dict[str, dict[Path, str]] = {
    Kind.NETWORK: {("spec", "type"): "NU-1", ("spec", "mode"): "NU-3", ("spec", "netID"): "NU-5"},
    Kind.SUBNET: {
        ("spec", "network"): "SU-1",
        ("spec", "netID"): "SU-3",
        ("spec", "range", "version"): "§7",
        ("spec", "range", "cidr"): "SU-7",
        ("spec", "range", "gateway"): "SU-7",
        ("spec", "range", "start"): "SU-7",
        ("spec", "range", "end"): "SU-7",
        ("spec", "range", "excludeIPs"): "SU-8",
    },
}
# Lists whose order means nothing to Hybridnet (SU-8 compares excludeIPs as a multiset).
UNORDERED_FIELDS = frozenset({("spec", "range", "excludeIPs")})
# "" and "Underlay" are one effective Network type (NU-1).
NETWORK_TYPE_FIELD = ("spec", "type")
DEFAULT_NETWORK_TYPE = "Underlay"

_ABSENT = object()
UNMANAGED_REASON = "not Hybridplan's (no managed-by label): left as it is"


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    UNCHANGED = "unchanged"
    # Live objects without Hybridplan's label: reported, never touched.
    UNMANAGED = "unmanaged"
    # A planned node the cluster does not have: its labels cannot be set.
    MISSING = "missing"


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any = None  # None: not set
    after: Any = None
    rule: str = ""  # the Hybridnet rule that makes the field immutable, if it is

    def as_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            **({"rule": self.rule} if self.rule else {}),
        }


@dataclass(frozen=True)
class Change:
    action: ChangeAction
    kind: str
    name: str
    fields: tuple[FieldChange, ...] = ()
    reason: str = ""
    # What stands in the way of a delete: the IPs on a Subnet, the Subnets of a Network.
    blocked_by: tuple[str, ...] = ()
    # The object to apply (create, update), or the labels to set on a node.
    desired: Mapping[str, Any] | None = None
    # The live object's resourceVersion (None: not in the cluster): what an apply changes.
    live_version: str | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_by)

    def field_changes(self) -> dict[str, dict[str, Any]]:
        return {change.path: change.as_dict() for change in self.fields}

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": str(self.action),
            "kind": self.kind,
            "name": self.name,
            "fields": self.field_changes(),
            "reason": self.reason,
            "blocked_by": list(self.blocked_by),
        }


def is_managed(obj: Mapping[str, Any]) -> bool:
    """Whether the live object carries Hybridplan's managed-by label."""
    labels = _get(obj, ("metadata", "labels"))
    labels = labels if isinstance(labels, Mapping) else {}
    return all(labels.get(key) == value for key, value in MANAGED_BY_LABELS.items())


def subnets_to_delete(desired: Iterable[Mapping], live_subnets: Iterable[Mapping]) -> list[str]:
    """Names of live Subnets of ours that the plan no longer has: their IPInstances decide
    whether they can go (SD-1)."""
    planned = {_name(obj) for obj in desired if obj.get("kind") == Kind.SUBNET}
    return sorted(
        _name(obj) for obj in live_subnets if is_managed(obj) and _name(obj) not in planned
    )


def diff_cluster(
    desired: Sequence[Mapping],
    node_labels: Mapping[str, Mapping[str, str]],
    live_networks: Sequence[Mapping],
    live_subnets: Sequence[Mapping],
    live_nodes: Sequence[Mapping],
    ips_by_subnet: Mapping[str, Sequence[str]],
) -> list[Change]:
    """Every change that makes the cluster match `desired` (cluster_manifests' objects) and
    `node_labels`; `ips_by_subnet` holds the IPs in use on each Subnet that would go."""
    live = {(Kind.NETWORK, _name(obj)): obj for obj in live_networks}
    live |= {(Kind.SUBNET, _name(obj)): obj for obj in live_subnets}
    changes = [_object_change(obj, live.get((obj["kind"], _name(obj)))) for obj in desired]
    planned = {(obj["kind"], _name(obj)) for obj in desired}
    leftovers = [
        (kind, name, obj) for (kind, name), obj in live.items() if (kind, name) not in planned
    ]
    deleted_subnets = {
        name for kind, name, obj in leftovers if kind == Kind.SUBNET and is_managed(obj)
    }
    # Subnets still in the cluster after this plan keep their Network there (ND-1).
    staying: dict[str, list[str]] = {}
    for obj in live_subnets:
        name = _name(obj)
        if name not in deleted_subnets or ips_by_subnet.get(name):
            staying.setdefault(_get(obj, ("spec", "network")), []).append(name)
    for kind, name, obj in leftovers:
        if not is_managed(obj):
            changes.append(Change(ChangeAction.UNMANAGED, kind, name, reason=UNMANAGED_REASON))
        elif kind == Kind.SUBNET:
            changes.append(_subnet_delete(name, ips_by_subnet.get(name, ())))
        else:
            changes.append(_network_delete(name, staying.get(name, [])))
    changes += _node_changes(node_labels, live_nodes)
    return sorted(changes, key=lambda c: (KIND_ORDER.get(c.kind, len(KIND_ORDER)), c.name))


def _object_change(desired: Mapping, live: Mapping | None) -> Change:
    kind, name = desired["kind"], _name(desired)
    paths = (*RENDERED_FIELDS[kind], *LABEL_FIELDS)
    if live is None:
        fields = tuple(
            FieldChange(".".join(path), None, value)
            for path in paths
            if (value := _get(desired, path)) is not _ABSENT
        )
        return Change(ChangeAction.CREATE, kind, name, fields, desired=desired)
    fields = tuple(change for path in paths if (change := _field_change(kind, path, desired, live)))
    version = _get(live, ("metadata", "resourceVersion"))
    immutable = [change for change in fields if change.rule]
    if immutable:
        reason = _replace_reason(kind, immutable)
        return Change(ChangeAction.REPLACE, kind, name, fields, reason=reason)
    action = ChangeAction.UPDATE if fields else ChangeAction.UNCHANGED
    return Change(action, kind, name, fields, desired=desired, live_version=_value(version))


def _field_change(kind: str, path: Path, desired: Mapping, live: Mapping) -> FieldChange | None:
    after, before = _get(desired, path), _get(live, path)
    if after is _ABSENT and (before is _ABSENT or not _owned_by_us(live, path)):
        return None  # not ours to set, nor to take away
    if _same(path, before, after):
        return None
    rule = IMMUTABLE_FIELDS[kind].get(path, "")
    if path == NETWORK_TYPE_FIELD and _network_type(before) == _network_type(after):
        rule = ""  # NU-1 compares effective types
    return FieldChange(".".join(path), _value(before), _value(after), rule)


def _same(path: Path, before: Any, after: Any) -> bool:
    if path in UNORDERED_FIELDS and isinstance(before, list) and isinstance(after, list):
        return sorted(before) == sorted(after)
    return before == after


def _network_type(value: Any) -> Any:
    return DEFAULT_NETWORK_TYPE if value in (_ABSENT, "") else value


def _replace_reason(kind: str, immutable: list[FieldChange]) -> str:
    fields = ", ".join(f"{change.path} ({change.rule})" for change in immutable)
    moved = "its Subnets and their pods" if kind == Kind.NETWORK else "the pods on the Subnet"
    return (
        f"{fields} cannot change in place: Hybridnet denies it. The {kind} must be replaced: "
        f"create a new one, move {moved} to it first, then delete this one"
    )


def _subnet_delete(name: str, ips: Sequence[str]) -> Change:
    if not ips:
        return Change(ChangeAction.DELETE, Kind.SUBNET, name)
    return Change(
        ChangeAction.DELETE,
        Kind.SUBNET,
        name,
        reason=f"still used by {len(ips)} IPInstance(s): {named(list(ips))}; "
        "Hybridnet denies the delete until the pods are gone (SD-1)",
        blocked_by=tuple(ips),
    )


def _network_delete(name: str, subnets: Sequence[str]) -> Change:
    if not subnets:
        return Change(ChangeAction.DELETE, Kind.NETWORK, name)
    return Change(
        ChangeAction.DELETE,
        Kind.NETWORK,
        name,
        reason=f"still has Subnet(s) {named(sorted(subnets))} in the cluster; "
        "Hybridnet denies the delete while they exist (ND-1)",
        blocked_by=tuple(sorted(subnets)),
    )


def _node_changes(
    node_labels: Mapping[str, Mapping[str, str]], live_nodes: Sequence[Mapping]
) -> list[Change]:
    live = {_name(node): _get(node, ("metadata", "labels")) for node in live_nodes}
    changes = []
    for name, wanted in node_labels.items():
        if name not in live:
            reason = "planned node is not in the cluster: its labels cannot be set"
            changes.append(Change(ChangeAction.MISSING, NODE_KIND, name, reason=reason))
            continue
        labels = live[name] if isinstance(live[name], Mapping) else {}
        fields = tuple(
            FieldChange(f"metadata.labels.{key}", labels.get(key), value)
            for key, value in sorted(wanted.items())
            if labels.get(key) != value
        )
        missing = {change.path.removeprefix("metadata.labels."): change.after for change in fields}
        action = ChangeAction.UPDATE if fields else ChangeAction.UNCHANGED
        changes.append(Change(action, NODE_KIND, name, fields, desired=missing or None))
    return changes


def _owned_by_us(live: Mapping, path: Path) -> bool:
    entries = _get(live, ("metadata", "managedFields"))
    # Absent where the live object comes from a pull's observed rows, which keep no
    # managedFields: a field the plan does not set then never counts as ours to remove.
    for entry in entries if isinstance(entries, list) else ():
        if entry.get("manager") != FIELD_MANAGER:
            continue
        owned = entry.get("fieldsV1") or {}
        for key in path:
            owned = owned.get(f"f:{key}") if isinstance(owned, Mapping) else None
        if owned is not None:
            return True
    return False


def _get(obj: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(obj, Mapping) or key not in obj:
            return _ABSENT
        obj = obj[key]
    return obj


def _value(value: Any) -> Any:
    return None if value is _ABSENT else value


def _name(obj: Mapping) -> str:
    return obj["metadata"]["name"]


# The sign of each action in the text, as terraform writes them; "!" a delete that cannot run.
SIGNS = {
    ChangeAction.CREATE: "+",
    ChangeAction.UPDATE: "~",
    ChangeAction.REPLACE: "-/+",
    ChangeAction.DELETE: "-",
    ChangeAction.MISSING: "?",
    ChangeAction.UNMANAGED: ".",
}
BLOCKED_SIGN = "!"
SIGN_WIDTH = 3


@dataclass(frozen=True)
class ClusterPlan:
    cluster: str
    changes: list[Change]

    def counts(self) -> Counter:
        return Counter(
            "blocked" if change.blocked else str(change.action) for change in self.changes
        )

    @property
    def in_sync(self) -> bool:
        """Nothing to create, update, replace or delete (unmanaged objects are not ours)."""
        return not any(
            change.action not in (ChangeAction.UNCHANGED, ChangeAction.UNMANAGED)
            for change in self.changes
        )

    @property
    def summary(self) -> str:
        counts = self.counts()
        line = (
            f"{counts[ChangeAction.CREATE]} to create, {counts[ChangeAction.UPDATE]} to update, "
            f"{counts[ChangeAction.REPLACE]} to replace, {counts[ChangeAction.DELETE]} to delete, "
            f"{counts['blocked']} blocked"
        )
        if counts[ChangeAction.MISSING]:
            line += f", {counts[ChangeAction.MISSING]} planned node(s) missing"
        if counts[ChangeAction.UNMANAGED]:
            line += f", {counts[ChangeAction.UNMANAGED]} unmanaged"
        return line

    def render(self) -> str:
        """Each change with its fields before and after, then the summary line."""
        lines = []
        for change in self.changes:
            if change.action == ChangeAction.UNCHANGED:
                continue
            sign = BLOCKED_SIGN if change.blocked else SIGNS[change.action]
            head = f"{sign:>{SIGN_WIDTH}} {change.kind} {change.name}"
            lines.append(f"{head}: {change.reason}" if change.reason else head)
            for field in change.fields:
                before = "(none)" if field.before is None else json.dumps(field.before)
                after = "(none)" if field.after is None else json.dumps(field.after)
                lines.append(f"{'':>{SIGN_WIDTH}}     {field.path}: {before} -> {after}")
        lines.append(f"Plan for {self.cluster}: {self.summary}.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """What a plan run records: the summary, the counts, and every change but the
        unchanged objects (counted only)."""
        return {
            "summary": self.summary,
            "in_sync": self.in_sync,
            "counts": dict(self.counts()),
            "changes": [
                change.as_dict()
                for change in self.changes
                if change.action != ChangeAction.UNCHANGED
            ],
            "text": self.render(),
        }
