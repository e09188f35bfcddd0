"""Several workers, as a province-wide deployment runs them: a real uvicorn on 127.0.0.1 over HTTPS.

The workers share no state (docs/server.md: pe-score uses neither streaming functions nor object
handles, so xlwings Server needs no Redis), so any worker may answer any click. bench/server_load.py
is the full load test; this is its short form in the suite.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("xlwings_server") is None:
    pytest.skip("the [server] extra is not installed (pip install '.[server]')", allow_module_level=True)
if not Path("/proc/self/status").exists():
    pytest.skip("reads process memory from /proc (Linux)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # starts a server with two workers: ~15 s


def test_two_workers_answer_concurrent_clicks_without_errors():
    sys.path.insert(0, str(ROOT / "bench"))
    import server_load

    r = server_load.run(clients=4, clicks=6, workers=2)
    assert r["errors"] == 0, r["error_examples"]
    assert r["workers_answering"] == 2, r
    assert r["latency_ms"]["p95"] is not None and r["peak_rss_mb"] > 0
