"""The web process: the app, its URLs and everything they reach are loaded, then frozen out
of the garbage collector's full collections."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, json, sys
import hybridplan.wsgi
print(json.dumps({"frozen": gc.get_freeze_count(), "views": "planner.api.views" in sys.modules}))
"""
# Far fewer objects than the loaded app holds (over 100,000), far more than a bare interpreter.
LOADED_APP_OBJECTS = 50_000


def test_the_web_process_freezes_what_it_loaded() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "hybridplan.settings"}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    state = json.loads(probe.stdout)
    assert state["views"]
    assert state["frozen"] > LOADED_APP_OBJECTS
