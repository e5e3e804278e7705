"""Cluster sync, the three figures the sync issue asks for, one part after the other:

    .venv/bin/python -m bench.sync_bench [--server postgres://postgres@127.0.0.1:5432]

- bench.sync_pull: a pull of 50,000 IPInstances (under 20 s, at most one database statement
  per 1,000, peak memory under 200 MB);
- bench.sync_apply: plan and apply of 500 Subnets (plan under 1 s, apply under 5 s, a
  second apply under 2 s);
- bench.sync_schedule: a scheduled sync of 5 clusters, one of them unreachable (the others
  finish as if it were not there).

Each part runs in its own process (each sets Django up on its own database) and can be run
alone, with more options.
"""

import argparse
import subprocess
import sys

PARTS = ("bench.sync_pull", "bench.sync_apply", "bench.sync_schedule")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    options = parser.parse_args()
    failed = []
    for part in PARTS:
        print(f"== {part}", flush=True)
        if subprocess.run([sys.executable, "-m", part, "--server", options.server]).returncode:
            failed.append(part)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
