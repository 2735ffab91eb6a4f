"""RQ throughput: light jobs per worker (forking and non-forking), the cold-import baseline,
10,000 SMS to a loopback gateway, and dossier hashing against `sha256sum`."""
import subprocess
import time

from bench.common import PY, ROOT, Procs, SmsSink, metric, wait_for

LIGHT_GOAL = 250.0


def _rate(conn, ids):
    """Jobs per second from RQ's own timestamps: first start to last end, so start-up is excluded.
    Runs are bounded in time, so the rate is over the jobs that finished."""
    from rq.job import Job
    jobs = [j for j in Job.fetch_many(ids, connection=conn) if j is not None and j.ended_at]
    if len(jobs) < min(len(ids), 2):
        raise RuntimeError(f"only {len(jobs)} of {len(ids)} jobs finished")
    span = (max(j.ended_at for j in jobs) - min(j.started_at for j in jobs)).total_seconds()
    return len(jobs) / span


def _enqueue(conn, queue, func, n, prefix):
    from rq import Queue
    q = Queue(queue, connection=conn)
    ids = [f"{prefix}-{i}" for i in range(n)]
    for start in range(0, n, 1000):
        with conn.pipeline() as pipe:
            q.enqueue_many([Queue.prepare_data(func, args=(i,), job_id=ids[i], result_ttl=600)
                            for i in range(start, min(n, start + 1000))], pipeline=pipe)
            pipe.execute()
    return ids


def _burst(procs, conn, name, args, env, timeout):
    """Run a --burst worker until the queue is empty or `timeout` seconds have passed."""
    from rq import Queue
    proc = procs.start(name, args, env)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    procs.stop(proc)
    Queue("bench", connection=conn).empty()  # what a bounded run left over must not leak into the next


def job_rates(env, conn, quick):
    n, bound = (200, 10) if quick else (2000, 60)
    heavy_n = 3 if quick else 8
    procs, rows = Procs(), []
    flask_worker = [PY, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst"]
    try:
        ids = _enqueue(conn, "bench", "jobs.bench.noop", n, "noop")
        _burst(procs, conn, "worker_fork", flask_worker + ["bench"], env, bound)
        fork_rate = _rate(conn, ids)

        ids = _enqueue(conn, "bench", "jobs.bench.noop", n, "noop-simple")
        _burst(procs, conn, "worker_simple", flask_worker + ["--no-fork", "bench"], env, bound)
        simple_rate = _rate(conn, ids)

        # RQ's own ceiling on this machine: a bare `rq worker` (no app at all) on the same noop jobs.
        rq_bin = str(ROOT / ".venv" / "bin" / "rq")
        bare = {}
        for label, cls in (("fork", "rq.worker.Worker"), ("simple", "rq.worker.SimpleWorker")):
            ids = _enqueue(conn, "bench", "jobs.bench.noop", n, f"noop-bare-{label}")
            _burst(procs, conn, f"worker_bare_{label}", [rq_bin, "worker", "--burst", "-w", cls, "-u",
                                                         env["REDIS_URL"], "bench"], env, bound)
            bare[label] = _rate(conn, ids)

        # The anti-pattern: a plain forking `rq worker` that imports face_recognition in every job.
        ids = _enqueue(conn, "bench", "jobs.bench.import_heavy", heavy_n, "heavy-cold")
        _burst(procs, conn, "worker_cold", [str(ROOT / ".venv" / "bin" / "rq"), "worker", "--burst", "-u",
                                      env["REDIS_URL"], "bench"], env, 30 if quick else 90)
        cold_rate = _rate(conn, ids)
        ids = _enqueue(conn, "bench", "jobs.bench.import_heavy", n // 4, "heavy-warm")
        _burst(procs, conn, "worker_warm", flask_worker + ["bench"], env, bound)
        warm_rate = _rate(conn, ids)
    finally:
        procs.stop_all()
    rows.append(metric("rq_light_jobs_per_s_forking_worker", fork_rate, "jobs/s", LIGHT_GOAL, False,
                       baseline=bare["fork"], note=f"{n} noop jobs, `flask jobs worker` (rq Worker: one fork per "
                                                   "job); baseline: bare `rq worker`, no app, same jobs"))
    rows.append(metric("rq_light_jobs_per_s_simple_worker", simple_rate, "jobs/s", LIGHT_GOAL, False,
                       baseline=bare["simple"], note="`flask jobs worker --no-fork` (rq SimpleWorker); baseline: "
                                                     "bare `rq worker -w SimpleWorker`, no app"))
    rows.append(metric("rq_face_import_jobs_per_s_preloaded", warm_rate, "jobs/s", 100, False,
                       baseline=cold_rate, note=f"jobs importing face_recognition; baseline: plain `rq worker`"
                                                f" importing it per job ({heavy_n} jobs)"))
    return rows


def _sms_run(env, app, conn, n, fork, timeout, batch=1):
    """Seconds for 2 workers to deliver n SMS rows (as send_sms writes them) to a loopback gateway,
    one job per message (batch=1, as send_sms enqueues) or `batch` messages per job (as bulk
    notifications and the sweep enqueue them)."""
    from sqlalchemy import delete, func, insert, select
    from app.extensions import db
    from app.models import SmsMessage
    from rq import Queue, Worker
    sink, procs = SmsSink(), Procs()
    wenv = dict(env, SMS_GATEWAY="http", SMS_HTTP_URL=sink.url, SMS_HTTP_TOKEN="bench")
    try:
        with app.app_context():
            db.session.execute(delete(SmsMessage).where(SmsMessage.kind == "bench"))
            ids = db.session.scalars(insert(SmsMessage).returning(SmsMessage.id), [
                dict(phone=f"136{i:08d}", body=f"【微法庭】测试通知 {i}", kind="bench") for i in range(n)]).all()
            db.session.commit()
        flags = [] if fork else ["--no-fork"]
        for i in range(2):
            procs.start(f"sms_worker{i}", [PY, "-m", "flask", "--app", "wsgi", "jobs", "worker", *flags,
                                           "notifications"], wenv)
        q = Queue("notifications", connection=conn)
        if not wait_for(lambda: len(Worker.all(queue=q)) >= 2, timeout=60):
            raise RuntimeError("SMS workers did not start (see bench/out/sms_worker*.log)")
        t0 = time.monotonic()
        if batch == 1:
            jobs = [Queue.prepare_data("jobs.sms.deliver_sms", args=(i,), job_id=f"sms-{i}") for i in ids]
        else:
            jobs = [Queue.prepare_data("jobs.sms.deliver_sms_batch", args=(ids[k:k + batch],),
                                       job_id=f"sms-batch-{ids[k]}") for k in range(0, n, batch)]
        for start in range(0, len(jobs), 1000):
            with conn.pipeline() as pipe:
                q.enqueue_many(jobs[start:start + 1000], pipeline=pipe)
                pipe.execute()

        def all_sent():
            with app.app_context():
                return db.session.scalar(select(func.count()).select_from(SmsMessage).where(
                    SmsMessage.kind == "bench", SmsMessage.status == "sent")) >= n
        done = wait_for(all_sent, timeout=timeout, interval=0.25)
        elapsed = time.monotonic() - t0
    finally:
        procs.stop_all()
        sink.close()
    if not done:
        raise RuntimeError(f"not all {n} SMS sent within {timeout}s; the gateway got {sink.count}")
    return elapsed, sink.count


def sms_throughput(env, app, conn, quick):
    """10,000 SMS (2,000 with BENCH_QUICK, scaled) with 2 non-forking workers, 100 per job; the
    baseline is one job per message, as a single send_sms enqueues it."""
    from app.services.notifications import BATCH
    n, n_single = (2000, 400) if quick else (10_000, 2000)
    try:
        single_s, _ = _sms_run(env, app, conn, n_single, False, 200)
    except RuntimeError:
        single_s = None  # the baseline is only a comparison: report the main figure anyway
    elapsed, got = _sms_run(env, app, conn, n, False, 200, batch=BATCH)
    note = (f"{n} SMS in {elapsed:.1f}s (gateway counted {got}), {BATCH} per job, "
            "`flask jobs worker --no-fork notifications` x2")
    if n != 10_000:
        note += ", scaled to 10,000"
    note += f"; baseline: one job per SMS, {n_single} SMS scaled"
    return [metric("sms_10k_through_rq_2_workers", elapsed * 10_000 / n, "s", 60.0,
                   baseline=single_s * 10_000 / n_single if single_s else None, note=note)]


def dossier_hashing(app, quick):
    """Hashing throughput of the dossier check vs `sha256sum` on the same files (warm page cache)."""
    import os
    from sqlalchemy import select
    from app.extensions import db
    from app.models import Case
    from app.services import dossier, storage
    files, size = (5, 10) if quick else (20, 10)  # count, MB each
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.filing_ref == "LA2026-DEMO04"))
        stored = [storage.save_bytes(os.urandom(size * 1024 * 1024), name=f"bench{i}.bin",
                                     content_type="application/octet-stream", case=case) for i in range(files)]
        db.session.commit()
        paths = [str(storage.path_of(s)) for s in stored]
        case_id = case.id

        def ours():
            t = time.perf_counter()
            problems = dossier.verify_files(case_id)
            assert not problems, problems
            return time.perf_counter() - t

        def theirs():
            t = time.perf_counter()
            subprocess.run(["sha256sum", *paths], check=True, capture_output=True)
            return time.perf_counter() - t
        ours(), theirs()  # both from the page cache
        t_ours = min(ours() for _ in range(3))
        t_theirs = min(theirs() for _ in range(3))
    mb = files * size
    return [metric("dossier_verify_throughput_vs_sha256sum", t_theirs / t_ours, "ratio", 0.8, False,
                   baseline=1.0, note=f"{mb} MB: ours {mb / t_ours:.0f} MB/s, sha256sum {mb / t_theirs:.0f} MB/s")]
