"""The REST API over HTTP: gunicorn with 2 workers on PostgreSQL, median latencies.

    .venv/bin/python -m bench.api_bench [--server postgres://postgres@127.0.0.1:5432]
                                        [--repeats 5] [--carves 30]

Creates the database `hybridplan_bench` (dropped first if a previous run left it, and at
the end), seeds it through the ORM, starts gunicorn on a free port of 127.0.0.1, and times,
each at two sizes: a bulk create of subnets in one request; a carve from a node segment
holding many slices; a /26 carve from a /8 pool holding many blocks, sequentially and from
2 parallel clients (carves per second); a page of subnets with their utilization; a pool
with its utilization; the free intervals of an IPv6 /48 pool holding many blocks. Last, how
long a plain CPython loop took before and after: the speed of a shared machine drifts (seen
here: 0.94 to 1.66 s for the same loop within minutes), and so do the figures with it.

Seeded slices and blocks belong to other clusters than the one carving, as in a space
shared by many clusters: the carving cluster's own size costs its admission review apart.
A run takes about a minute, most of it in seeding (seen here: 40 s).
"""

import argparse
import http.client
import ipaddress
import itertools
import json as json_module
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "hybridplan_bench"
WORKERS = 2
PARALLEL_CLIENTS = 2
# Seeded rows are spread over this many clusters (one Overlay and one Underlay network each).
SEED_CLUSTERS = 10
SEED_BATCH = 5000
SLICE_SIZE = 4
POOL_BLOCK_PREFIX = 26
V6_BLOCK_PREFIX = 120
FREE_LIMIT = 1000
SERVER_START_SECONDS = 60
SERVER_POLL_SECONDS = 5
REQUEST_TIMEOUT_SECONDS = 600
MS = 1000
# The machine's speed, as a CPython loop of this many additions takes (reference_seconds).
REFERENCE_ADDITIONS = 10_000_000

# The two sizes of each measurement.
BULK_SIZES = (100, 1000)
SEGMENT_SLICES = (1000, 10_000)
POOL_BLOCKS = (5000, 50_000)
LIST_SIZES = (100, 1000)
V6_POOL_BLOCKS = (1000, 10_000)

SEGMENTS = {1000: "172.16.0.0/16", 10_000: "172.17.0.0/16"}
POOLS = {5000: "10.0.0.0/8", 50_000: "11.0.0.0/8"}
V6_POOLS = {1000: "fd00:1::/48", 10_000: "fd00:2::/48"}
BULK_SPACE = ipaddress.ip_network("12.0.0.0/8")
BULK_PREFIX = 24

Row = tuple[str, str, float, str]  # operation, size, median milliseconds, note
# Every carve of the run gets a new Subnet name (names are unique per cluster).
CARVE_NUMBERS = itertools.count()


@dataclass
class Plan:
    """What the seeding left for the measurements to use."""

    carving_underlay: int
    carving_overlay: int
    segments: dict[int, int]
    pools: dict[int, int]
    v6_pools: dict[int, int]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--carves", type=int, default=30, help="carves timed per size")
    options = parser.parse_args()

    database_url = f"{options.server.rstrip('/')}/{DATABASE}"
    with (
        bench_database(options.server),
        tempfile.TemporaryDirectory() as var_dir,
    ):
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "HYBRIDPLAN_VAR_DIR": var_dir,
            # Production keeps connections between requests; so does the bench.
            "DATABASE_CONN_MAX_AGE": "60",
            "DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "hybridplan.settings",
        }
        os.environ.update(environment)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        token = create_token()
        started = time.perf_counter()
        plan = seed()
        analyze()
        print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        speed_before = reference_seconds()
        with gunicorn(environment) as base_url:
            client = Client(base_url, token)
            rows = [
                *bulk_rows(client, plan, options.repeats),
                *segment_carve_rows(client, plan, options.carves),
                *pool_carve_rows(client, plan, options.carves),
                *list_rows(client, options.repeats),
                *pool_rows(client, plan, options.repeats),
                *free_rows(client, plan, options.repeats),
            ]
        speed_after = reference_seconds()
        from django.db import connections

        connections.close_all()

    print(f"\n{'operation':<52} {'size':>16} {'median ms':>10}  note")
    for operation, size, milliseconds, note in rows:
        print(f"{operation:<52} {size:>16} {milliseconds:>10.1f}  {note}")
    print(
        f"\nmachine: {REFERENCE_ADDITIONS:,} additions in a CPython loop took "
        f"{speed_before:.2f} s before the measurements, {speed_after:.2f} s after"
    )


# -- database and server ---------------------------------------------------------------------


@contextmanager
def bench_database(server: str, name: str = DATABASE) -> Iterator[None]:
    def run(statement: str) -> None:
        with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as admin:
            admin.execute(statement)

    run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    run(f"CREATE DATABASE {name}")
    try:
        yield
    finally:
        run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def reference_seconds() -> float:
    """How fast this machine runs Python just now: a shared machine's speed drifts, and
    figures from runs at different speeds compare only alongside this."""
    started = time.perf_counter()
    total = 0
    for number in range(REFERENCE_ADDITIONS):
        total += number
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(environment: dict[str, str]) -> Iterator[str]:
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "hybridplan.wsgi",
        f"--workers={WORKERS}",
        f"--bind=127.0.0.1:{port}",
        f"--timeout={REQUEST_TIMEOUT_SECONDS}",
        "--log-level=warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=environment)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=SERVER_START_SECONDS)


def wait_until_serving(base_url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    probe = Client(base_url, token="")
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            # The API's answer to an anonymous caller: /healthz also wants a Celery worker.
            probe.call("GET", "/api/", 401, timeout=SERVER_POLL_SECONDS)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {SERVER_START_SECONDS} s")


class Client:
    """Signed in with a token; every call checks the status it expects and returns the body.

    The standard library's http.client, one connection per call (gunicorn's sync workers
    close each): what is timed is the server, not the client's machinery (requests spends
    about 2 ms more per call here)."""

    def __init__(self, base_url: str, token: str) -> None:
        address = urlsplit(base_url)
        self.host, self.port, self.token = address.hostname, address.port, token

    def another(self) -> "Client":
        """A client for a parallel caller (each call has its own connection anyway)."""
        return Client(f"http://{self.host}:{self.port}", self.token)

    def call(
        self,
        method: str,
        path: str,
        expected: int,
        *,
        json: object = None,
        params: dict | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> bytes:
        headers = {"Authorization": f"Token {self.token}"} if self.token else {}
        body = None
        if json is not None:
            body = json_module.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        target = f"{path}?{urlencode(params)}" if params else path
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, target, body, headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        if response.status != expected:
            raise SystemExit(f"{method} {path}: {response.status} {content[:500]!r}")
        return content


# -- seeding -----------------------------------------------------------------------------------


def create_token() -> str:
    from django.contrib.auth.models import User

    from planner.models import APIToken

    user = User.objects.create_superuser("bench", password="bench")
    return APIToken.objects.issue(user)[1]


def seed() -> Plan:
    from planner.choices import NetworkTypeChoices, PoolPurposeChoices
    from planner.models import AddressPool, Cluster, Network, NodeSegment, Site

    site = Site.objects.create(name="bench")

    def networks(name: str) -> tuple[Network, Network]:
        cluster = Cluster.objects.create(name=name)
        underlay = Network.objects.create(
            cluster=cluster,
            name="underlay-1",
            type=NetworkTypeChoices.UNDERLAY,
            mode="VLAN",
            net_id=0,
            node_selector={"network": "underlay-1"},
        )
        overlay = Network.objects.create(
            cluster=cluster, name="init", type=NetworkTypeChoices.OVERLAY, mode="VXLAN", net_id=4
        )
        return underlay, overlay

    carving_underlay, carving_overlay = networks("bench")
    seeders = [networks(f"seed-{index}") for index in range(SEED_CLUSTERS)]

    def space(model, cidr: str, **values):
        row = model(cidr=cidr, **values)
        row.full_clean()
        row.save()
        return row

    segments = {
        count: space(NodeSegment, cidr, site=site, name=f"seg-{count}", gateway=gateway(cidr))
        for count, cidr in SEGMENTS.items()
    }
    for count, segment in segments.items():
        seed_slices(segment, [underlay for underlay, _ in seeders], count)
    pools = {}
    for count, cidr in {**POOLS, **V6_POOLS}.items():
        pool = space(
            AddressPool, cidr, name=f"pool-{len(pools)}", purpose=PoolPurposeChoices.OVERLAY
        )
        prefix = V6_BLOCK_PREFIX if pool.family == 6 else POOL_BLOCK_PREFIX
        seed_blocks(pool, [overlay for _, overlay in seeders], count, prefix)
        pools[cidr] = pool.pk
    return Plan(
        carving_underlay=carving_underlay.pk,
        carving_overlay=carving_overlay.pk,
        segments={count: segment.pk for count, segment in segments.items()},
        pools={count: pools[cidr] for count, cidr in POOLS.items()},
        v6_pools={count: pools[cidr] for count, cidr in V6_POOLS.items()},
    )


def analyze() -> None:
    """What autovacuum does within a minute of the seeding: table statistics (without them
    PostgreSQL plans the range lookups for empty tables) and the visibility map (without it
    a page's count reads the table rather than an index)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def gateway(cidr: str) -> str:
    return str(ipaddress.ip_network(cidr)[1])


def seed_slices(segment, networks: list, count: int) -> None:
    """`count` slices of SLICE_SIZE addresses from .2 up, dealt round the networks."""
    network = ipaddress.ip_network(segment.cidr)
    first = int(network.network_address) + 2

    def slice_(index: int):
        start = first + index * SLICE_SIZE
        return dict(
            network=networks[index % len(networks)],
            segment=segment,
            name=f"{segment.name}-{index}",
            cidr=segment.cidr,
            gateway=segment.gateway,
            start=str(ipaddress.ip_address(start)),
            end=str(ipaddress.ip_address(start + SLICE_SIZE - 1)),
            net_id=segment.vlan_id,
        )

    bulk_subnets(slice_(index) for index in range(count))


def seed_blocks(pool, networks: list, count: int, prefix: int) -> None:
    """`count` /prefix blocks at every other block of the pool, so the free space is as
    fragmented as the blocks are many."""
    blocks = ipaddress.ip_network(pool.cidr).subnets(new_prefix=prefix)
    bulk_subnets(
        dict(
            network=networks[index % len(networks)],
            pool=pool,
            name=f"{pool.name}-{index}",
            cidr=str(block),
        )
        for index, block in enumerate(itertools.islice(blocks, 0, 2 * count, 2))
    )


def bulk_subnets(rows: Iterator[dict]) -> None:
    """Straight to the table: keys derived by the model, no per-row validation."""
    from planner.models import Subnet

    rows = iter(rows)
    while batch := list(itertools.islice(rows, SEED_BATCH)):
        subnets = []
        for values in batch:
            subnet = Subnet(cluster_id=values["network"].cluster_id, **values)
            subnet.normalize_addresses()
            subnets.append(subnet)
        Subnet.objects.bulk_create(subnets)


# -- measurements ------------------------------------------------------------------------------


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * MS


def median_ms(action: Callable[[], object], repeats: int) -> float:
    return statistics.median(timed_ms(action) for _ in range(repeats))


def bulk_rows(client: Client, plan: Plan, repeats: int) -> list[Row]:
    """Overlay subnets of the carving cluster, removed again after each request."""
    from planner.models import Subnet

    blocks = BULK_SPACE.subnets(new_prefix=BULK_PREFIX)
    rows = []
    for size in BULK_SIZES:
        timings = []
        for _ in range(repeats):
            body = [
                {"network": plan.carving_overlay, "name": f"bulk-{n}", "cidr": str(next(blocks))}
                for n in range(size)
            ]
            timings.append(
                timed_ms(lambda body=body: client.call("POST", "/api/subnets/", 201, json=body))
            )
            Subnet.objects.filter(name__startswith="bulk-").delete()
        rows.append(
            (
                "bulk create subnets, one request",
                f"{size:,} subnets",
                statistics.median(timings),
                "",
            )
        )
    return rows


def carve_rows(
    title: str, callers: list[Client], url: str, payload: Callable[[str], dict], carves: int
) -> Row:
    """`carves` carves spread over `callers`, each caller one at a time: the median latency,
    and carves per second over the whole run."""

    def carve(caller: Client) -> float:
        name = f"carve-{next(CARVE_NUMBERS)}"
        return timed_ms(lambda: caller.call("POST", url, 201, json=payload(name)))

    started = time.perf_counter()
    with ThreadPoolExecutor(len(callers)) as threads:
        turns = itertools.islice(itertools.cycle(callers), carves)
        timings = list(threads.map(carve, turns))
    rate = carves / (time.perf_counter() - started)
    if len(callers) > 1:
        title = f"{title}, {len(callers)} parallel clients"
    return title, "", statistics.median(timings), f"{rate:.1f} carves/s"


def segment_carve_rows(client: Client, plan: Plan, carves: int) -> list[Row]:
    def payload(name: str) -> dict:
        return {"network": plan.carving_underlay, "name": name, "size": SLICE_SIZE}

    return [
        sized(
            carve_rows(
                f"carve {SLICE_SIZE} addresses from a segment",
                [client],
                f"/api/segments/{pk}/carve/",
                payload,
                carves,
            ),
            f"{count:,} slices",
        )
        for count, pk in plan.segments.items()
    ]


def pool_carve_rows(client: Client, plan: Plan, carves: int) -> list[Row]:
    def payload(name: str) -> dict:
        return {"network": plan.carving_overlay, "name": name, "prefixlen": POOL_BLOCK_PREFIX}

    parallel = [client.another() for _ in range(PARALLEL_CLIENTS)]
    return [
        sized(
            carve_rows(
                f"carve a /{POOL_BLOCK_PREFIX} from a /8 pool",
                callers,
                f"/api/pools/{pk}/carve/",
                payload,
                carves,
            ),
            f"{count:,} blocks",
        )
        for count, pk in plan.pools.items()
        for callers in ([client], parallel)
    ]


def sized(row: Row, size: str) -> Row:
    operation, _, milliseconds, note = row
    return operation, size, milliseconds, note


def list_rows(client: Client, repeats: int) -> list[Row]:
    rows = []
    for size in LIST_SIZES:
        pages: list[bytes] = []

        def fetch_page(limit: int = size, pages: list = pages) -> None:
            pages.append(client.call("GET", "/api/subnets/", 200, params={"limit": limit}))

        milliseconds = median_ms(fetch_page, repeats)
        # Checked once the clock has stopped: decoding the page is the client's work.
        if any(len(json_module.loads(page)["results"]) != size for page in pages):
            raise SystemExit(f"asked for {size} subnets, got fewer")
        rows.append(("list subnets with utilization", f"{size:,} per page", milliseconds, ""))
    return rows


def pool_rows(client: Client, plan: Plan, repeats: int) -> list[Row]:
    """A pool shown with its utilization, as a list of pools shows each."""
    return [
        (
            "show a /8 pool with its utilization",
            f"{count:,} blocks",
            median_ms(
                lambda url=f"/api/pools/{pk}/": client.call("GET", url, 200),
                repeats,
            ),
            "",
        )
        for count, pk in plan.pools.items()
    ]


def free_rows(client: Client, plan: Plan, repeats: int) -> list[Row]:
    title = f"free intervals of an IPv6 /48 pool, limit {FREE_LIMIT}"
    return [
        (
            title,
            f"{count:,} blocks",
            median_ms(
                lambda url=f"/api/pools/{pk}/free/": client.call(
                    "GET", url, 200, params={"limit": FREE_LIMIT}
                ),
                repeats,
            ),
            "",
        )
        for count, pk in plan.v6_pools.items()
    ]


if __name__ == "__main__":
    main()
