"""Load from a second process on loopback: wrk (Debian's package) when present, else threads.

Both are bounded in time and report latency percentiles in ms, requests/s and statuses.
"""
import http.client
import json
import shutil
import subprocess
import threading
import time
from urllib.parse import urlsplit

from bench.common import OUT, p95

WRK_SCRIPT = """
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write("JSON", string.format('{"requests":%d,"duration_us":%d,"bytes":%d,"p50":%f,"p95":%f,"p99":%f,'
    .. '"errors":%d}', summary.requests, summary.duration, summary.bytes, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout), "\\n")
end
"""


def have_wrk():
    return shutil.which("wrk") is not None


def run(url, headers=None, connections=50, seconds=10, threads=2, interval=None):
    """{requests, rps, p50, p95, p99 (ms), errors, bytes_per_request, tool} for GET url.
    Percentiles are None when no request completed within the time bound.

    Without `interval` every client sends its next request as soon as the last one returns: that
    saturates the server and measures capacity. With `interval` (seconds) each client paces itself
    like a browser that polls every `interval` seconds, starting at a random offset."""
    if interval:
        r = _threads(url, headers or {}, connections, seconds, interval)
    elif have_wrk():
        r = _wrk(url, headers or {}, connections, seconds, threads)
    else:
        r = _threads(url, headers or {}, connections, seconds)
    if not r["requests"]:
        r.update(p50=None, p95=None, p99=None)
    _drain(url)
    return r


def _drain(url, timeout=60):
    """Wait until the server has worked off the requests a run left queued, so runs do not overlap."""
    u = urlsplit(url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
        except (OSError, http.client.HTTPException):
            pass
        if time.perf_counter() - t < 0.2:
            return
        time.sleep(0.2)


def _wrk(url, headers, connections, seconds, threads):
    # Per-thread status counts are not merged by wrk; errors.status counts responses >= 400.
    OUT.mkdir(parents=True, exist_ok=True)
    script = OUT / "report.lua"
    script.write_text(WRK_SCRIPT)
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next(l for l in out.splitlines() if l.startswith("JSON"))
    r = json.loads(line[4:])
    secs = r["duration_us"] / 1e6
    return dict(requests=r["requests"], rps=r["requests"] / secs, p50=r["p50"], p95=r["p95"], p99=r["p99"],
                errors=r["errors"], bytes_per_request=r["bytes"] / max(1, r["requests"]), tool="wrk")


def _threads(url, headers, connections, seconds, interval=None):
    import random
    u = urlsplit(url)
    path = u.path + ("?" + u.query if u.query else "")
    lat, errors, nbytes, lock = [], [0], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        if interval:
            time.sleep(random.uniform(0, interval))
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
                ok, body = False, b""
            with lock:
                lat.append((time.perf_counter() - t) * 1000)
                errors[0] += not ok
                nbytes[0] += len(body)
            if interval:
                time.sleep(max(0.0, interval - (time.perf_counter() - t)))
        conn.close()

    t0 = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    secs = time.monotonic() - t0
    ordered = sorted(lat)
    return dict(requests=len(lat), rps=len(lat) / secs, p50=ordered[len(ordered) // 2] if ordered else None,
                p95=p95(lat), p99=ordered[int(0.99 * (len(ordered) - 1))] if ordered else None,
                errors=errors[0], bytes_per_request=nbytes[0] / max(1, len(lat)),
                tool=f"python threads, each every {interval:g}s" if interval else "python threads")
