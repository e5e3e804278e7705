"""Benchmarks of the ipam core: `.venv/bin/python bench/ipam_bench.py`.

Each row is timed at full size and at 10x fewer objects, so growth is visible. Data is generated
deterministically; building it is not timed; the median of several runs is reported.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ipam.addresses import int_to_text, parse_cidr  # noqa: E402
from ipam.constants import (  # noqa: E402
    FAMILY_BITS,
    IPV4,
    IPV6,
    LABEL_NETWORK,
    LABEL_NODE,
    LABEL_SUBNET,
)
from ipam.intervals import IntervalSet, first_fit_in, gaps  # noqa: E402
from ipam.review import review  # noqa: E402
from ipam.spec import AddressRange, IPInstanceSpec, NetworkSpec, SubnetSpec  # noqa: E402
from ipam.usage import network_usage  # noqa: E402

RUNS = 7
API = "networking.alibaba.com/v1"


def measure(action: Callable[[], object], runs: int = RUNS) -> float:
    """Median wall time in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# -- data --------------------------------------------------------------------------------------


def ipv4_slices(count: int) -> tuple[IntervalSet, int, int]:
    """`count` slices of 50 addresses every 60 in 10.0.0.0/8: every gap (10) is too small for
    64, so first fit has to walk past all of them."""
    base = parse_cidr("10.0.0.0/8").first
    taken = IntervalSet.from_sorted((base + 60 * i, base + 60 * i + 49) for i in range(count))
    return taken, base, base + (1 << 24) - 1


def half_taken_blocks(count: int) -> tuple[IntervalSet, int, int]:
    """`count` /27 subnets, each in the upper half of a /26 of 10.0.0.0/8: no /26 is free
    until after the last one."""
    base = parse_cidr("10.0.0.0/8").first
    taken = IntervalSet.from_sorted((base + 64 * i + 32, base + 64 * i + 63) for i in range(count))
    return taken, base, base + (1 << 24) - 1


def ipv6_subnets(count: int) -> tuple[IntervalSet, int, int]:
    """`count` /64 subnets, every other /64 of fd00::/48."""
    pool = parse_cidr("fd00::/48")
    size = 1 << 64
    taken = IntervalSet.from_sorted(
        (pool.first + 2 * i * size, pool.first + (2 * i + 1) * size - 1) for i in range(count)
    )
    return taken, pool.first, pool.last


def small_pool(family: int, slices: int) -> tuple[IntervalSet, int, int]:
    """An IPv4 /24 or an IPv6 /48 holding `slices` equally spaced, equally shaped slices."""
    if family == IPV4:
        pool, unit = parse_cidr("10.1.0.0/24"), 16
    else:
        pool, unit = parse_cidr("fd01::/48"), 1 << 64
    taken = IntervalSet.from_sorted(
        (pool.first + 2 * i * unit, pool.first + (2 * i + 1) * unit - 1) for i in range(slices)
    )
    return taken, pool.first, pool.last


def usage_data(subnet_count: int, per_subnet: int):
    network = NetworkSpec(
        name="net", type="Underlay", mode="VLAN", net_id=0, node_selector={"rack": "a"}
    )
    subnets, instances = [], []
    for index in range(subnet_count):
        first = parse_cidr("10.0.0.0/8").first + 256 * index
        name = f"s{index}"
        subnets.append(
            SubnetSpec(
                name=name,
                network="net",
                range=AddressRange(
                    version="4",
                    cidr=f"{int_to_text(first, IPV4)}/24",
                    gateway=int_to_text(first + 1, IPV4),
                    reserved_ips=(int_to_text(first + 9, IPV4),),
                    exclude_ips=(int_to_text(first + 10, IPV4),),
                ),
            )
        )
        for offset in range(per_subnet):
            address = int_to_text(first + 2 + offset, IPV4)
            instances.append(
                IPInstanceSpec(
                    name=address.replace(".", "-"),
                    namespace="default",
                    network="net",
                    subnet=name,
                    ip=f"{address}/24",
                    version="4",
                    node_name="" if offset % 10 == 0 else "n1",
                    labels={LABEL_SUBNET: name, LABEL_NETWORK: "net", LABEL_NODE: "n1"},
                )
            )
    return network, subnets, instances


def _network(name: str, **spec) -> dict:
    return {"apiVersion": API, "kind": "Network", "metadata": {"name": name}, "spec": spec}


def _subnet(name: str, network: str, cidr: str, **rng) -> dict:
    return {
        "apiVersion": API,
        "kind": "Subnet",
        "metadata": {"name": name},
        "spec": {"network": network, "range": {"version": "4", "cidr": cidr, **rng}},
    }


def review_data(state_size: int, manifest_size: int) -> tuple[list[dict], list[dict]]:
    """A state of `state_size` objects (networks, nodes, subnets, IPInstances in ratio
    1:25:200:774) and a manifest of new subnets, windows in shared CIDRs, updates and clashes."""
    networks = max(1, state_size // 1000)
    state: list[dict] = [_network("init", type="Overlay", mode="VXLAN", netID=4)]
    for n in range(networks):
        state.append(
            _network(f"u{n}", type="Underlay", mode="VLAN", netID=n, nodeSelector={"rack": f"r{n}"})
        )
    nodes = max(1, state_size // 40)
    state += [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": f"node{i}", "labels": {"rack": f"r{i % networks}"}},
        }
        for i in range(nodes)
    ]
    subnets = state_size // 5
    for i in range(subnets):
        net = _prefix(i)
        state.append(
            _subnet(
                f"s{i}",
                f"u{i % networks}",
                f"{net}.0/24",
                gateway=f"{net}.1",
                start=f"{net}.2",
                end=f"{net}.127",
            )
        )
    while len(state) < state_size:
        i = len(state) % subnets
        where = {
            LABEL_SUBNET: f"s{i}",
            LABEL_NETWORK: f"u{i % networks}",
            LABEL_NODE: f"node{i % nodes}",
        }
        state.append(
            {
                "apiVersion": API,
                "kind": "IPInstance",
                "metadata": {"name": f"ip{len(state)}", "namespace": "default", "labels": where},
                "spec": {
                    "network": where[LABEL_NETWORK],
                    "subnet": where[LABEL_SUBNET],
                    "address": {
                        "ip": f"{_prefix(i)}.{2 + len(state) // subnets}/24",
                        "version": "4",
                    },
                    "binding": {"nodeName": where[LABEL_NODE]},
                },
            }
        )
    return state, [_manifest_item(j, subnets, networks) for j in range(manifest_size)]


def _prefix(i: int) -> str:
    """The first three octets of the i-th /24 of 10.0.0.0/8."""
    return f"10.{i // 256}.{i % 256}"


def _manifest_item(j: int, subnets: int, networks: int) -> dict:
    """Four shapes in turn; each costs the same whatever the state size, so growth shows."""
    i, network = j % subnets, f"u{j % subnets % networks}"
    net = _prefix(i)
    if j % 4 == 0:  # a second window in an existing CIDR: allowed
        return _subnet(
            f"w{j}",
            network,
            f"{net}.0/24",
            gateway=f"{net}.1",
            start=f"{net}.128",
            end=f"{net}.254",
        )
    if j % 4 == 1:  # a fresh CIDR: allowed
        fresh = _prefix(j).replace("10.", "11.", 1)
        return _subnet(f"n{j}", network, f"{fresh}.0/26", gateway=f"{fresh}.1")
    if j % 4 == 2:  # an update of reservedIPs: allowed
        return _subnet(
            f"s{i}",
            network,
            f"{net}.0/24",
            gateway=f"{net}.1",
            start=f"{net}.2",
            end=f"{net}.127",
            reservedIPs=[f"{net}.100"],
        )
    # a /22 over four existing /24s: denied by S-11
    return _subnet(f"x{j}", network, f"10.{i // 256}.{i % 256 // 4 * 4}.0/22")


# -- rows --------------------------------------------------------------------------------------


def _first_fit(taken: IntervalSet, lo: int, hi: int) -> Callable[[], object]:
    return lambda: first_fit_in(gaps(taken, lo, hi), 64)


def _first_block(
    taken: IntervalSet, prefixlen: int, family: int, lo: int, hi: int
) -> Callable[[], object]:
    block = 1 << (FAMILY_BITS[family] - prefixlen)
    return lambda: first_fit_in(gaps(taken, lo, hi), block, block)


def rows():
    for count in (10_000, 1_000):
        yield (
            "first fit 64 addrs, IPv4 segment",
            f"{count:,} slices",
            _first_fit(*ipv4_slices(count)),
        )
    yield "first fit 64 addrs in IPv4 /24", "4 slices", _first_fit(*small_pool(IPV4, 4))
    taken, lo, hi = small_pool(IPV6, 4)
    yield "first fit /64 in IPv6 /48", "4 slices", _first_block(taken, 64, IPV6, lo, hi)
    for count in (100_000, 10_000):
        taken, lo, hi = half_taken_blocks(count)
        yield (
            "first fit /26 in a /8 pool",
            f"{count:,} subnets",
            _first_block(taken, 26, IPV4, lo, hi),
        )
    for count in (100_000, 10_000):
        taken, lo, hi = ipv6_subnets(count)
        yield (
            "free intervals (first 100), IPv6 /48",
            f"{count:,} subnets",
            (lambda t=taken, a=lo, b=hi: list(islice(gaps(t, a, b), 100))),
        )
    for subnets in (2_000, 200):
        network, subs, ips = usage_data(subnets, 100)
        yield (
            "network usage",
            f"{subnets:,} subnets/{len(ips):,} IPs",
            (lambda n=network, s=subs, i=ips: network_usage(n, s, i)),
        )
    for state_size, manifest_size in ((10_000, 1_000), (1_000, 100)):
        state, manifest = review_data(state_size, manifest_size)
        yield (
            "review manifest vs state",
            f"{manifest_size:,} vs {state_size:,} objects",
            (lambda s=state, m=manifest: review(s, m)),
        )


def main() -> None:
    header = f"{'row':<40} {'size':<26} {'median ms':>10} {'runs':>5}"
    print(header)
    print("-" * len(header))
    for label, size, action in rows():
        print(f"{label:<40} {size:<26} {measure(action):>10.3f} {RUNS:>5}", flush=True)


if __name__ == "__main__":
    main()
