"""KubeGateway against a real local kube-apiserver: list many IPInstances, apply many Subnets.

    .venv/bin/python -m bench.gateway_bench [--ipinstances 50000] [--subnets 500]
                                            [--page-size 500] [--repeats 3]

Prints one row per measurement, seconds as the median of the repeats. Listing
is measured streamed (what a sync task that stores page by page does) and
gathered into one list; memory comes from untimed runs: the growth of the
process's peak RSS, and the Python heap peak under tracemalloc.
"""

import argparse
import ipaddress
import statistics
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from planner.kube.constants import DEFAULT_PAGE_SIZE
from planner.kube.gateway import KubeGateway
from planner.kube.localcluster import LocalCluster
from tests.kube.factories import ipinstance, subnet

NAMESPACES = ("bench-a", "bench-b", "bench-c", "bench-d", "bench-e")
# Parallel creates only to seed the data faster; the measured calls are sequential.
SEED_WORKERS = 8
FIRST_POD_ADDRESS = ipaddress.IPv4Address("10.128.0.1")
POD_PREFIX_LENGTH = 9
MIB = 1024 * 1024

Row = tuple[str, float, str]  # operation, seconds, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ipinstances", type=int, default=50_000)
    parser.add_argument("--subnets", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()

    with LocalCluster("bench") as cluster, KubeGateway(cluster.credentials) as gateway:
        for namespace in NAMESPACES:
            cluster.create_namespace(namespace)
        seed_seconds = _timed(lambda: _seed_ipinstances(gateway, options.ipinstances))
        rows = [
            (
                f"seed {options.ipinstances:,} IPInstances ({SEED_WORKERS} threads)",
                seed_seconds,
                "",
            ),
            *_listing_rows(gateway, options),
            *_apply_rows(gateway, options),
        ]

    print(f"\n{'operation':<56} {'seconds':>8}  memory")
    for operation, seconds, memory in rows:
        print(f"{operation:<56} {seconds:>8.2f}  {memory}")


def _seed_ipinstances(gateway: KubeGateway, count: int) -> None:
    def create(index: int) -> None:
        address = str(FIRST_POD_ADDRESS + index)
        obj = ipinstance(address, prefix_length=POD_PREFIX_LENGTH)
        gateway.create_ipinstance(NAMESPACES[index % len(NAMESPACES)], obj)

    with ThreadPoolExecutor(SEED_WORKERS) as pool:
        list(pool.map(create, range(count)))


def _listing_rows(gateway: KubeGateway, options: argparse.Namespace) -> list[Row]:
    def streamed() -> None:
        _check(sum(1 for _ in gateway.list_ipinstances(options.page_size)), options.ipinstances)

    def gathered() -> None:
        _check(len(list(gateway.list_ipinstances(options.page_size))), options.ipinstances)

    variants = {"streamed": streamed, "one list": gathered}
    # Interleaved, so that both see the server in the same state (its garbage
    # collector and etcd's compaction come and go).
    runs: dict[str, list[float]] = {label: [] for label in variants}
    for _ in range(options.repeats):
        for label, listing in variants.items():
            runs[label].append(_timed(listing))
    title = f"list {options.ipinstances:,} IPInstances, pages of {options.page_size}"
    return [
        (f"{title}, {label}", statistics.median(runs[label]), _memory(listing))
        for label, listing in variants.items()
    ]


def _memory(action: Callable[[], object]) -> str:
    """Peak RSS growth of one run, then the heap peak of another under tracemalloc."""
    Path("/proc/self/clear_refs").write_text("5")  # restart VmHWM from the current RSS
    rss_before = _status_kib("VmRSS")
    action()
    rss_growth = max(0, _status_kib("VmHWM") - rss_before) * 1024
    tracemalloc.start()
    try:
        action()
        heap = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return f"heap peak {heap / MIB:.1f} MiB, RSS +{rss_growth / MIB:.1f} MiB"


def _apply_rows(gateway: KubeGateway, options: argparse.Namespace) -> list[Row]:
    subnets = [
        subnet(f"bench-{index}", cidr=f"10.{index // 256}.{index % 256}.0/24")
        for index in range(options.subnets)
    ]

    def apply_all(expect_changed: bool) -> None:
        changed = [gateway.apply(obj)[1] for obj in subnets]
        _check(changed.count(expect_changed), len(subnets))

    return [
        (f"apply {len(subnets)} Subnets, new", _timed(lambda: apply_all(True)), ""),
        (
            f"apply {len(subnets)} Subnets, unchanged",
            _median_seconds(lambda: apply_all(False), options.repeats),
            "",
        ),
    ]


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _median_seconds(action: Callable[[], object], repeats: int) -> float:
    return statistics.median(_timed(action) for _ in range(repeats))


def _status_kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith(field))
    return int(line.split()[1])


def _check(actual: int, expected: int) -> None:
    if actual != expected:
        raise SystemExit(f"expected {expected}, got {actual}")


if __name__ == "__main__":
    main()
