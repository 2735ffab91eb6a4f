"""`make bench`: start the production stack on loopback, seed a busy court, measure, compare.

    python -m bench.run            # full run (a few minutes)
    BENCH_QUICK=1 python -m bench.run   # short version, under two minutes

Starts gunicorn (gunicorn.conf.py) on PostgreSQL database `microcourt_bench`, RQ workers on Redis
db 14 and a loopback SMS sink; seeds `demo seed --scale`; writes bench/results.json (one object per
metric: name, value, unit, goal, lower_is_better, met, baseline, note) and prints a table.
Every measurement is guarded: a missing feature gives `met: false` with a note, never a crash.
Everything started is stopped at the end (each child runs in its own process group).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
import urllib.request

from bench.common import OUT, PY, QUICK, ROOT, Procs, free_port, metric, wait_for

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://127.0.0.1:5432/test")
DB_NAME = os.environ.get("BENCH_DB", "microcourt_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
FACES = os.environ.get("FACES_DIR", str(ROOT.parent / "shared" / "faces"))
SCALE = 200 if QUICK else 2000
LOAD_SECONDS = 5 if QUICK else 15
CLIENTS = 50
ONLY = [x for x in os.environ.get("BENCH_ONLY", "").split(",") if x]


def bench_env(port):
    env = dict(os.environ)
    env.update(DATABASE_URL=PG_ADMIN.rsplit("/", 1)[0] + "/" + DB_NAME, REDIS_URL=REDIS,
               MICROCOURT_STORAGE=str(OUT / "files"), MICROCOURT_INSTANCE=str(OUT / "instance"),
               MICROCOURT_DEMO="1", SECRET_KEY="bench-only-secret", SMS_GATEWAY="outbox",
               MICROCOURT_BASE_URL=f"http://127.0.0.1:{port}", GUNICORN_BIND=f"127.0.0.1:{port}",
               GUNICORN_WORKERS="2", GUNICORN_THREADS="2", PYTHONPATH=str(ROOT))
    return env


def fresh_stores(env):
    """An empty bench database, Redis db and file store (never the development or test ones)."""
    import psycopg
    import redis
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    redis.Redis.from_url(REDIS).flushdb()
    shutil.rmtree(OUT / "files", ignore_errors=True)
    (OUT / "instance").mkdir(parents=True, exist_ok=True)


def guarded(results, label, fn, *args):
    """Run one measurement; a failure becomes a `met: false` row naming what went wrong."""
    if ONLY and label not in ONLY:  # BENCH_ONLY=rq_jobs,sms: while working on one measurement
        return []
    t = time.monotonic()
    try:
        rows = fn(*args) or []
    except Exception as exc:  # noqa: BLE001 - a missing feature must not stop the other metrics
        traceback.print_exc(file=sys.stderr)
        rows = [metric(label, None, "", None, note=f"not measured: {type(exc).__name__}: {str(exc)[:160]}")]
    for r in rows:
        r.setdefault("note", None)
        if r["goal"] is None and r["value"] is not None and not r["note"]:
            r["note"] = "informational: no goal"
        r["met"] = bool(r.get("met"))
    results.extend(rows)
    print(f"# {label}: {len(rows)} metric(s) in {time.monotonic() - t:.1f}s", file=sys.stderr, flush=True)
    return rows


def load_metrics(base, browsers, pages, hearing_path):
    from bench import crawl, load, web
    rows = []
    judge = browsers.get("张俊") or next(iter(browsers.values()))
    r = load.run(base + "/", {"Cookie": judge.cookie_header()}, CLIENTS, LOAD_SECONDS, interval=5)
    rows.append(metric("busy_court_home_p95", r["p95"], "ms", 500.0, baseline=r["p50"],
                       note=f"judge's case list ({SCALE}+ cases, 30 a page), {CLIENTS} clients each every 5 s, "
                            f"{r['rps']:.0f} req/s, {r['errors']} errors; baseline: p50"))
    r = load.run(base + "/", {"Cookie": judge.cookie_header()}, CLIENTS, LOAD_SECONDS)
    rows.append(metric("busy_court_home_capacity", r["rps"], "req/s", None, lower_is_better=False,
                       note=f"{CLIENTS} clients back to back ({r['tool']}): p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms"))
    user, path, poll = "张俊", hearing_path, None
    if path is None:  # not seeded: take the biggest hearing page the crawl found
        user, path, poll = web.find_hearing(pages)
    if path is None:
        note = "no hearing found (seed printed none, crawl found none)"
        return rows + [metric("hearing_1000_full_page_p95", None, "ms", 500.0, note=note),
                       metric("hearing_idle_poll_p95", None, "ms", 100.0, note=note)]
    b = browsers[user]
    cookie = {"Cookie": b.cookie_header()}
    status, _h, page = b.request("GET", path)
    if status != 200:
        raise RuntimeError(f"{path} answered {status} to {user}")
    polls = crawl.parse(page.decode("utf-8", "replace"), base + path)[3]
    poll = poll or (polls[0] if polls else None)
    # 50 people in a room: each opens the page now and then (every 5 s here, far more than people
    # do) while the room polls; the saturated run below gives the capacity behind that.
    r = load.run(base + path, cookie, CLIENTS, LOAD_SECONDS, interval=5)
    rows.append(metric("hearing_1000_full_page_p95", r["p95"], "ms", 500.0, baseline=r["p50"],
                       note=f"{path} as {user}, {CLIENTS} clients each loading it every 5 s, {r['rps']:.0f} req/s, "
                            f"{r['errors']} errors, {crawl.gz(page) / 1024:.0f} KB gzip; baseline: p50"))
    r = load.run(base + path, cookie, CLIENTS, LOAD_SECONDS)
    rows.append(metric("hearing_1000_full_page_capacity", r["rps"], "req/s", None, lower_is_better=False,
                       note=f"{CLIENTS} clients back to back ({r['tool']}): p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms"))
    if not poll:
        return rows + [metric("hearing_idle_poll_p95", None, "ms", 100.0, note=f"{path} has no polling hx-get")]
    status, headers, body = b.request("GET", poll, headers={"HX-Request": "true"})
    extra = dict(cookie, **{"HX-Request": "true"})
    if headers.get("ETag"):
        extra["If-None-Match"] = headers["ETag"]
        status, _h, body = b.request("GET", poll, headers={"HX-Request": "true", "If-None-Match": headers["ETag"]})
    # Synchronous mode polls every 2 s (asynchronous every 5 s): 50 clients at that cadence.
    r = load.run(base + poll, extra, CLIENTS, LOAD_SECONDS, interval=2)
    rows.append(metric("hearing_idle_poll_p95", r["p95"], "ms", 100.0, baseline=r["p50"],
                       note=f"{poll}, {CLIENTS} clients polling every 2 s, {r['rps']:.0f} req/s, "
                            f"{r['errors']} errors; baseline: p50"))
    r = load.run(base + poll, extra, CLIENTS, LOAD_SECONDS)
    rows.append(metric("hearing_idle_poll_capacity", r["rps"], "req/s", None, lower_is_better=False,
                       note=f"{CLIENTS} clients back to back ({r['tool']}): p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms"))
    rows.append(metric("hearing_idle_poll_body_bytes", len(body), "B", 300,
                       note=f"idle poll answers {status} ({'ETag' if headers.get('ETag') else 'no ETag'})"))
    return rows


def phone_metrics(base, env, pages):
    from bench import phone, web
    seen = [p["path"] for p in pages if p["user"] not in ("(signed out)",)]
    litigant_pages = [p["path"] for p in pages if p["user"] == "王芳"] or seen
    return phone.measure(base, lambda: web.demo_links(env, base), list(dict.fromkeys(litigant_pages)), QUICK)


def faces_metrics():
    from bench import bench_faces
    if not os.path.isdir(FACES):
        raise RuntimeError(f"no face photos at {FACES}")
    return bench_faces.run(FACES, runs=3 if QUICK else 10, naive_runs=1 if QUICK else 3)


def pdf_metrics():
    from bench import bench_pdf
    rows = bench_pdf.run()
    return [r for r in rows if r["goal"] is not None] if QUICK else rows


def print_table(results):
    w = max(len(r["name"]) for r in results)
    print(f"\n{'metric':<{w}}  {'value':>12}  {'goal':>10}  {'baseline':>10}  met   note")
    for r in results:
        v = "—" if r["value"] is None else f"{r['value']:g} {r['unit']}"
        goal = "—" if r["goal"] is None else ("≤" if r["lower_is_better"] else "≥") + f"{r['goal']:g}"
        base = "" if r["baseline"] is None else f"{r['baseline']:g}"
        met = "—" if r["goal"] is None else ("yes" if r["met"] else "NO")
        print(f"{r['name']:<{w}}  {v:>12}  {goal:>10}  {base:>10}  {met:<4}  "
              f"{(r.get('note') or '')[:110]}")
    with_goal = [r for r in results if r["goal"] is not None]
    print(f"\n{sum(r['met'] for r in with_goal)}/{len(with_goal)} goals met "
          f"({len(results) - len(with_goal)} informational rows); written to bench/results.json")
    print(f"load average (1/5/15 min) at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")


def main():
    t0 = time.monotonic()
    print(f"# load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(other work on the machine skews every number)", file=sys.stderr)
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = bench_env(port)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "MICROCOURT_STORAGE",
                                            "MICROCOURT_INSTANCE", "MICROCOURT_DEMO", "SECRET_KEY")})
    fresh_stores(env)
    from app import create_app
    app = create_app()
    subprocess.run([PY, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    seed = subprocess.run([PY, "-m", "flask", "--app", "wsgi", "demo", "seed", "--scale", str(SCALE)],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    scale_note = [line for line in seed.stderr.splitlines() if line.startswith("# scale")]
    print(scale_note[-1] if scale_note else seed.stderr[-2000:], file=sys.stderr)
    found = re.search(r"(/cases/\d+/hearings/\d+)", scale_note[-1]) if scale_note else None
    hearing_path = found.group(1) if found else None

    import redis
    conn = redis.Redis.from_url(REDIS)
    procs, results, base = Procs(), [], f"http://127.0.0.1:{port}"
    if shutil.which("wrk") is None:
        print("# wrk is missing (apt-get install wrk): using the Python load generator", file=sys.stderr)
    try:
        procs.start("gunicorn", [PY, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], env)

        def up():
            try:
                return urllib.request.urlopen(base + "/healthz", timeout=2).status == 200
            except OSError:
                return False
        if not wait_for(up, timeout=60, interval=0.2):
            raise SystemExit("gunicorn did not start; see bench/out/gunicorn.log")
        from bench import web, workers
        pages, browsers = [], {}

        def weights():
            rows, ps, bs = web.page_weights(base, web.demo_links(env, base), limit=15 if QUICK else 150)
            pages.extend(ps)
            browsers.update(bs)
            return rows
        guarded(results, "page_weights", weights)
        guarded(results, "load", load_metrics, base, browsers, pages, hearing_path)
        guarded(results, "phone_profile", phone_metrics, base, env, pages)
        from bench import bench_workbench
        guarded(results, "workbench", bench_workbench.run, base, env, QUICK)
        procs.stop_all()  # the rest measures CPU: nothing else running
        from bench import pages as page_costs
        guarded(results, "page_cpu", page_costs.measure, app, hearing_path)
        guarded(results, "face_check", faces_metrics)
        guarded(results, "pdf", pdf_metrics)
        from bench import bench_transcripts
        guarded(results, "transcript", bench_transcripts.run)
        guarded(results, "rq_jobs", workers.job_rates, env, conn, QUICK)
        guarded(results, "sms", workers.sms_throughput, env, app, conn, QUICK)
        guarded(results, "dossier", workers.dossier_hashing, app, QUICK)
        from bench import bench_dossier
        guarded(results, "dossier_10k", bench_dossier.run, app, QUICK)
    finally:
        procs.stop_all()
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"# {'quick ' if QUICK else ''}bench took {time.monotonic() - t0:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
