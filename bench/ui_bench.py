"""The browser UI's pages: server time of each, on the benchmark data set.

    .venv/bin/python -m bench.ui_bench [--server postgres://postgres@127.0.0.1:5432]
                                       [--repeats 5]

Seeds the database `hybridplan_bench` as bench.api_bench does (segments of 1,000 and 10,000
slices, /8 pools of 5,000 and 50,000 blocks, IPv6 pools: some 76,000 subnets in all; dropped
first if a previous run left it, and at the end), then renders each page in this process
through Django's test client, signed in as a superuser, and prints its median time. What is
timed is the server's work (views, queries, templates), not a network or a browser.
"""

import argparse
import os
import sys
import tempfile
import time

from bench.api_bench import analyze, bench_database, median_ms, reference_seconds, seed

# The host the pages are asked for: one of the default ALLOWED_HOSTS.
HOST = "127.0.0.1"


def pages(plan) -> list[tuple[str, str, dict | None]]:
    """(what, path, POST data or None) of each page timed."""
    from django.urls import reverse

    from planner.models import Network, Subnet

    largest_segment = plan.segments[max(plan.segments)]
    largest_pool = plan.pools[max(plan.pools)]
    subnet = Subnet.objects.filter(segment_id=largest_segment).order_by("pk").first()
    carve = {
        "segment": largest_segment,
        "cluster": Network.objects.get(pk=plan.carving_underlay).cluster_id,
        "network": plan.carving_underlay,
        "name": "bench-preview",
        "size": 4,
        "action": "preview",
    }
    return [
        ("dashboard", reverse("planner:dashboard"), None),
        ("subnets list, first page", reverse("planner:subnet_list"), None),
        (
            "subnets list, sorted by CIDR, page 100",
            f"{reverse('planner:subnet_list')}?sort=cidr&page=100",
            None,
        ),
        ("segments list", reverse("planner:nodesegment_list"), None),
        ("pools list", reverse("planner:addresspool_list"), None),
        (
            "segment of 10,000 slices with its IP map",
            reverse("planner:nodesegment", args=[largest_segment]),
            None,
        ),
        (
            "/8 pool of 50,000 blocks with its IP map",
            reverse("planner:addresspool", args=[largest_pool]),
            None,
        ),
        ("subnet page", reverse("planner:subnet", args=[subnet.pk]), None),
        ("search an address", f"{reverse('planner:search')}?q={subnet.start}", None),
        ("search a name", f"{reverse('planner:search')}?q=seg-1000-99", None),
        ("carve preview in the 10,000-slice segment", reverse("planner:carve"), carve),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()

    with bench_database(options.server), tempfile.TemporaryDirectory() as var_dir:
        os.environ.update(
            DATABASE_URL=f"{options.server.rstrip('/')}/hybridplan_bench",
            HYBRIDPLAN_VAR_DIR=var_dir,
            DATABASE_CONN_MAX_AGE="60",
            DEBUG="false",
            DJANGO_SETTINGS_MODULE="hybridplan.settings",
        )
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connections
        from django.test import Client

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        plan = seed()
        analyze()
        print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        client = Client(HTTP_HOST=HOST)
        client.force_login(User.objects.create_superuser("bench-ui", password="bench"))
        speed_before = reference_seconds()
        rows = []
        for what, path, data in pages(plan):

            def render(path=path, data=data):
                response = client.post(path, data) if data else client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: {response.status_code}")

            rows.append((what, median_ms(render, options.repeats)))
        speed_after = reference_seconds()
        connections.close_all()

    print(f"\n{'page':<52} {'median ms':>10}")
    for what, milliseconds in rows:
        print(f"{what:<52} {milliseconds:>10.1f}")
    print(
        f"\nmachine: a CPython reference loop took {speed_before:.2f} s before the "
        f"measurements, {speed_after:.2f} s after"
    )


if __name__ == "__main__":
    main()
