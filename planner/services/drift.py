"""Where a stored plan no longer matches its segment: shown, never silently changed."""

from collections.abc import Sequence

from ipam.addresses import int_to_text, parse_ip
from ipam.intervals import IntervalSet
from planner.addressing import key_value
from planner.models import NodeSegment, Subnet
from planner.services.space import segment_excluded, segments_excluded


def missing_exclusions(subnet: Subnet, excluded: IntervalSet | None = None) -> list[str]:
    """Node IPs and infrastructure addresses that now fall inside the slice's window but are
    not in its excludeIPs (a node added to the segment after the slice was carved). Hybridnet
    would hand them to pods; excludeIPs cannot change in place, so the slice needs replacing.
    `excluded` is the segment's `segment_excluded`, when the caller has it already."""
    if subnet.segment_id is None:
        return []
    if excluded is None:
        excluded = segment_excluded(subnet.segment)
    first, last = key_value(subnet.window_first_key), key_value(subnet.window_last_key)
    inside = excluded.intersect(IntervalSet([(first, last)]))
    if not inside:
        return []
    # Stored addresses are canonical text (Subnet.normalize_addresses): parsed, they compare
    # as IPAM compares their text. Only what is missing is listed, address by address.
    listed = [*subnet.exclude_ips, subnet.gateway] if subnet.gateway else subnet.exclude_ips
    values = (parse_ip(text).value for text in listed)
    missing = inside.subtract(IntervalSet((value, value) for value in values))
    return [
        int_to_text(value, subnet.family)
        for start, end in missing
        for value in range(start, end + 1)
    ]


def missing_exclusions_by_subnet(subnets: Sequence[Subnet]) -> dict[int, list[str]]:
    """missing_exclusions of each of `subnets` (a page), by id. A segment a subnet holds
    already (the one a carve locked, which keeps its addresses) is used as held; the others'
    addresses are read together, in two queries, however many slices the page holds."""
    held: dict[int, NodeSegment] = {}
    for subnet in subnets:
        if subnet.segment_id is not None and Subnet.segment.is_cached(subnet):
            held.setdefault(subnet.segment_id, subnet.segment)
    excluded = {segment_id: segment_excluded(segment) for segment_id, segment in held.items()}
    unread = {subnet.segment_id for subnet in subnets if subnet.segment_id} - held.keys()
    if unread:
        excluded.update(segments_excluded(unread))
    nothing = IntervalSet()
    return {
        subnet.pk: missing_exclusions(subnet, excluded.get(subnet.segment_id, nothing))
        for subnet in subnets
    }
