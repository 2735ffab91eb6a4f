"""Bench plumbing: metric records, child processes in their own groups, the SMS sink, waits."""
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def metric(name, value, unit, goal, lower_is_better=True, baseline=None, note=None):
    """One row of bench/results.json. `value` None means it could not be measured (met: false)."""
    if value is not None:
        value = round(float(value), 4)
    met = (value is not None and goal is not None
           and (value <= goal if lower_is_better else value >= goal))
    row = dict(name=name, value=value, unit=unit, goal=goal, lower_is_better=lower_is_better,
               met=bool(met), baseline=None if baseline is None else round(float(baseline), 4))
    if note:
        row["note"] = note
    return row


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class Procs:
    """Children started by the bench, each in its own process group so stop() ends its forks too."""

    def __init__(self):
        self.items = []

    def start(self, name, args, env, cwd=ROOT):
        OUT.mkdir(parents=True, exist_ok=True)
        log = open(OUT / f"{name}.log", "w")
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.items.append((name, proc, log))
        return proc

    def stop(self, proc, timeout=10):
        for name, p, log in list(self.items):
            if p is proc:
                _end_group(p, timeout)
                log.close()
                self.items.remove((name, p, log))

    def stop_all(self):
        for _name, p, log in reversed(self.items):
            _end_group(p, 10)
            log.close()
        self.items.clear()


def _end_group(proc, timeout):
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    except ProcessLookupError:
        pass


class SmsSink:
    """A loopback SMS gateway: counts POSTs and answers like a provider ({"id": ...})."""

    def __init__(self):
        sink = self
        self.count = 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.count += 1
                    n = sink.count
                body = json.dumps({"id": f"sink-{n}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
