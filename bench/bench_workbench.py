"""The workbench in a court of 10,000 cases (BENCH_QUICK: 1,000): its first-load weight (HTML + CSS +
JS, gzip), the HTMX refresh's weight, and the p95 of the judge's home under load."""
import subprocess
import time

from bench import crawl, load
from bench.common import PY, ROOT, metric

GOAL_P95_MS = 500.0


def court_size(env):
    out = subprocess.run([PY, "-c", "from app import create_app; from app.extensions import db; "
                          "from app.models import Case, Court; import sqlalchemy as sa; app = create_app()\n"
                          "with app.app_context():\n"
                          "    c = db.session.scalar(sa.select(Court).where(Court.code == '沪0101'))\n"
                          "    print(db.session.scalar(sa.select(sa.func.count()).select_from(Case)"
                          ".where(Case.court_id == c.id)))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1])


def run(base, env, quick):
    from bench import web
    target = 1000 if quick else 10_000
    t = time.monotonic()
    subprocess.run([PY, "-m", "flask", "--app", "wsgi", "demo", "seed", "--scale", str(target)],
                   cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    seeded_s = time.monotonic() - t
    cases = court_size(env)
    judge = next(url for role, name, url in web.demo_links(env, base) if role == "judge")
    b = web.Browser(base)
    b.sign_in(judge)
    page = crawl.crawl(b.fetch, ["/workbench/"], depth=0, base=base, limit=1)[0]
    partial = max((size for url, size in page["partials"]), default=None)
    note = f"court of {cases} cases (seeded in {seeded_s:.0f}s), signed in as the demo judge"
    r = load.run(base + "/workbench/", headers={"Cookie": b.cookie_header()}, connections=10,
                 seconds=5 if quick else 15)
    return [
        metric("workbench_first_load_gzip", page["total_gz"] / 1024, "KB", crawl.FIRST_LOAD_BUDGET / 1024,
               note=f"HTML {page['html_gz']} B + assets {page['assets_gz']} B; {note}"),
        metric("workbench_refresh_partial_gzip", partial / 1024 if partial is not None else None, "KB",
               crawl.PARTIAL_BUDGET / 1024, note="the HTMX refresh of the work list"),
        metric("workbench_p95", r["p95"], "ms", GOAL_P95_MS, baseline=r["p50"],
               note=f"{note}; 10 clients for {5 if quick else 15}s, {r['requests']} requests, "
                    f"{r['errors']} errors, {r['tool']}; baseline: p50"),
        metric("workbench_capacity", r["rps"], "req/s", None, lower_is_better=False, note=note),
    ]
