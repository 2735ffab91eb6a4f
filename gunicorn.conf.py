"""Production gunicorn settings (`gunicorn -c gunicorn.conf.py wsgi:app`), tuned by environment.

A few threads per process: a request mostly waits on PostgreSQL, and each process costs memory.
App servers keep no local state (sessions and rate limits live in the database and Redis), so
scale out by running more of them behind nginx.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
# 2 threads per worker, not 8: measured for issue #19 on the 2-core bench machine (wrk against the
# judge's home and the hearing thread), 2 workers x 8 threads cost 15-40% more CPU per request than
# 2 x 2 (lock and GIL contention) and served no more requests per second. Raise it only where
# requests wait long on something other than PostgreSQL; re-measure with `make bench`.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # face checks and PDFs run in RQ, not here
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))  # recycle slowly leaking workers
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")  # nginx on the same host
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None  # nginx already logs requests
errorlog = "-"

# Load the app, the face model (~100 MB of dlib weights) and the PDF font once in the master;
# workers fork with them in memory instead of paying ~1.5 s on their first face check.
preload_app = True


def on_starting(server):
    from app.services import faces, pdf
    faces.preload()
    try:
        pdf.preload()
    except pdf.FontMissing as exc:  # a clear start-up error, not tofu in the first PDF
        raise SystemExit(str(exc)) from exc
