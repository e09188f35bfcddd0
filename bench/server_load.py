"""Load on xlwings Server: concurrent clicks of 重新计算得分 on the example, over HTTPS on 127.0.0.1.

    python bench/server_load.py [--clients 8] [--clicks 50] [--workers 2] [--json]

Starts the server as docs/server.md does (uvicorn, ``--workers``, a self-signed certificate), sends
each client's clicks one after another (the request the button sends: the example's JSON book plus
its formulas) and reports:

- errors (any answer but 200 with the form scored 97) — must be 0;
- latency per click: p50, p95, max;
- peak memory (RSS of the master and its workers) and the change between the second quarter of
  the run and the last quarter (after warm-up) — "flat" when within 5 %;
- which workers answered (every worker must take part);
- CPU time per click in the workers against the baseline measured in this run: the same click in
  one process (``addin.recalculate`` on the JSON book, no HTTP). The ratio is the server's overhead.

Exit status 1 when there are errors, a worker never answered, or memory grew by more than 5 %.
Needs the [server] extra and Linux (/proc). ``run(...)`` is what tests/test_server_workers.py calls.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "server"
EXAMPLE = ROOT / "templates" / "examples" / "shiyan_hrss_2021.xlsx"
SCRIPT = "/xlwings/custom-scripts-call/%E9%87%8D%E6%96%B0%E8%AE%A1%E7%AE%97%E5%BE%97%E5%88%86"  # 重新计算得分
TICKS = os.sysconf("SC_CLK_TCK")


def click_body() -> dict:
    """The button's request for the example: xlwings' JSON book plus the formulas it reads."""
    import openpyxl

    sys.path.insert(0, str(ROOT))
    from tests import remote_book as rb

    wb = openpyxl.load_workbook(EXAMPLE)
    body = rb.payload(wb)
    body["args"] = [{ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                                if isinstance(c.value, str) and c.value.startswith("=")}
                     for ws in wb.worksheets}]
    return body


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return out


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    except OSError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def baseline_cpu_per_click(body: dict, clicks: int = 30) -> float:
    """CPU seconds of one click in this process: what a worker does, without HTTP or JSON."""
    import copy

    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    sys.path.insert(0, str(ROOT))
    from tests import remote_book as rb

    rb.enable_remote_engine()
    sys.path.insert(0, str(SERVER))
    from pe_server.ordering import recalculate_in_order

    import xlwings as xw

    def one():
        data = copy.deepcopy(body)
        formulas = data.pop("args")[0]
        recalculate_in_order(xw.Book(json=data), formulas)

    for _ in range(3):
        one()
    start = time.process_time()
    for _ in range(clicks):
        one()
    return (time.process_time() - start) / clicks


def run(clients: int = 8, clicks: int = 50, workers: int = 2, quiet: bool = True) -> dict:
    import httpx

    body = click_body()
    tmp = Path(tempfile.mkdtemp(prefix="pe-server-bench-"))
    sys.path.insert(0, str(SERVER))
    from make_cert import make_cert

    cert, key = make_cert(tmp)
    port = _free_port()
    base = f"https://127.0.0.1:{port}"
    env = {**os.environ, "PE_AUTH": "anonymous", "XLWINGS_LICENSE_KEY": os.environ.get("XLWINGS_LICENSE_KEY", "noncommercial")}
    env.pop("XLWINGS_PROJECT_DIR", None)
    env.pop("XLWINGS_ON_SERVER", None)
    cmd = [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(SERVER), "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--ssl-certfile", str(cert), "--ssl-keyfile", str(key),
           "--log-level", "warning"]
    log = open(tmp / "server.log", "w+b")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError("the server did not start:\n" + log.read().decode("utf-8", "replace"))
            try:
                if httpx.get(f"{base}/pe/health", verify=str(cert), timeout=2).status_code == 200 and \
                        len(_descendants(proc.pid)) > workers:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError("the server did not answer within 120 s")
            time.sleep(0.3)

        def post(client):
            t0 = time.perf_counter()
            r = client.post(SCRIPT, json=body, timeout=60)
            dt_ = time.perf_counter() - t0
            ok = r.status_code == 200 and "总分 97 分" in json.dumps(r.json()["actions"][-1], ensure_ascii=False)
            return dt_, ok, r.status_code

        # Warm-up: every worker imports and scores once before anything is measured.
        with httpx.Client(base_url=base, verify=str(cert)) as warm:
            for _ in range(4 * workers):
                post(warm)

        pids = _descendants(proc.pid)
        cpu0 = sum(_cpu_seconds(p) for p in pids)
        samples: list[tuple[float, int, int]] = []  # (time, rss KB, clicks done)
        done = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append((time.perf_counter(), sum(_rss_kb(p) for p in _descendants(proc.pid)), done[0]))
                time.sleep(0.05)

        answered_by: set[int] = set()

        def health():
            while not stop.is_set():
                try:  # a new connection each time, so the kernel may hand it to any worker
                    answered_by.add(httpx.get(f"{base}/pe/health", verify=str(cert), timeout=5).json()["pid"])
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)

        def client_run(_):
            out = []
            with httpx.Client(base_url=base, verify=str(cert)) as c:
                for _ in range(clicks):
                    try:
                        out.append(post(c))
                    except httpx.HTTPError as exc:
                        out.append((0.0, False, repr(exc)))
                    done[0] += 1
            return out

        threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=health, daemon=True)]
        for t in threads:
            t.start()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = [r for rs in pool.map(client_run, range(clients)) for r in rs]
        wall = time.perf_counter() - t0
        cpu = sum(_cpu_seconds(p) for p in _descendants(proc.pid)) - cpu0
        # A worker kept busy by the clients' kept-alive connections accepts no new connection while they
        # last; once the clicks are done, give every worker a few seconds to answer a health check.
        settle = time.perf_counter() + 10
        while not answered_by >= {p for p in pids if p != proc.pid} and time.perf_counter() < settle:
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join()
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    latencies = sorted(r[0] for r in results if r[1])
    errors = [r for r in results if not r[1]]
    total = clients * clicks
    quarter = [s[1] for s in samples if total / 4 <= s[2] < total / 2]
    last = [s[1] for s in samples if s[2] >= 3 * total / 4]
    q2, q4 = (statistics.median(quarter) if quarter else 0), (statistics.median(last) if last else 0)
    worker_pids = {p for p in pids if p != proc.pid}
    base_cpu = baseline_cpu_per_click(body)
    result = {
        "clients": clients, "clicks_per_client": clicks, "workers": workers, "requests": total,
        "errors": len(errors), "error_examples": [str(e[2]) for e in errors[:3]],
        "throughput_per_s": round(total / wall, 1),
        "latency_ms": {"p50": round(1000 * statistics.median(latencies), 1) if latencies else None,
                       "p95": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
                       "max": round(1000 * latencies[-1], 1) if latencies else None},
        "peak_rss_mb": round(max(s[1] for s in samples) / 1024, 1) if samples else None,
        "rss_mb_second_quarter": round(q2 / 1024, 1), "rss_mb_last_quarter": round(q4 / 1024, 1),
        "rss_growth_pct": round(100 * (q4 - q2) / q2, 2) if q2 else None,
        "workers_answering": len(answered_by & worker_pids), "child_pids": sorted(worker_pids),
        "cpu_ms_per_click_server": round(1000 * cpu / total, 2),
        "cpu_ms_per_click_baseline": round(1000 * base_cpu, 2),
        "cpu_ratio_server_vs_in_process": round(cpu / total / base_cpu, 2),
    }
    result["memory_flat"] = result["rss_growth_pct"] is not None and abs(result["rss_growth_pct"]) <= 5
    result["ok"] = not errors and result["workers_answering"] == workers and result["memory_flat"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--clicks", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    r = run(args.clients, args.clicks, args.workers)
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        lat = r["latency_ms"]
        print(f"{r['requests']} clicks ({r['clients']} clients × {r['clicks_per_client']}), {r['workers']} workers: "
              f"{r['errors']} errors, {r['throughput_per_s']} clicks/s")
        print(f"latency ms: p50 {lat['p50']}, p95 {lat['p95']}, max {lat['max']}")
        print(f"memory: peak {r['peak_rss_mb']} MB (master + workers); second quarter {r['rss_mb_second_quarter']} MB, "
              f"last quarter {r['rss_mb_last_quarter']} MB ({r['rss_growth_pct']:+} %): "
              f"{'flat' if r['memory_flat'] else 'GROWING'}")
        print(f"workers answering: {r['workers_answering']} of {r['workers']}")
        print(f"CPU per click: server {r['cpu_ms_per_click_server']} ms, in-process baseline "
              f"{r['cpu_ms_per_click_baseline']} ms, ratio {r['cpu_ratio_server_vs_in_process']}")
    return 0 if r["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
