"""The running demo seen over HTTP: sign in as each demo user, weigh pages, find the big hearing."""
import http.client
import re
import subprocess
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from bench import crawl
from bench.common import PY, ROOT, metric

CSRF_RE = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP/1.1 client for one person; never follows redirects by itself."""

    def __init__(self, base):
        u = urlsplit(base)
        self.base, self.host, self.port = base.rstrip("/"), u.hostname, u.port
        self.cookies = {}
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = self.cookie_header()
        if body is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            c = SimpleCookie(value)
            for k, morsel in c.items():
                if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(k, None)
                else:
                    self.cookies[k] = morsel.value
        return resp.status, resp.headers, data

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def fetch(self, path, htmx=False):
        status, headers, data = self.request("GET", path, headers={"HX-Request": "true"} if htmx else None)
        return status, headers.get("Content-Type", ""), data

    def sign_in(self, link):
        """Use a one-time demo link the way a person does: open it, press the button."""
        path = urlsplit(link).path
        status, _h, page = self.request("GET", path)
        token = CSRF_RE.search(page)
        if status != 200 or not token:
            raise RuntimeError(f"demo link page {path} answered {status}")
        status, headers, _ = self.request("POST", path, body=f"csrf_token={token.group(1).decode()}")
        if status != 302:
            raise RuntimeError(f"demo link sign-in answered {status}")
        return headers.get("Location")


def demo_links(env, base):
    """[(role, name, url)] from `flask demo links` against the bench database."""
    out = subprocess.run([PY, "-m", "flask", "--app", "wsgi", "demo", "links", "--base-url", base],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[2].startswith("http"):
            rows.append(tuple(parts))
    return rows


def page_weights(base, links, depth=2, limit=150):
    """Crawl as every demo user (and signed out); metrics for the heaviest page of each kind."""
    pages, by_user, browsers = [], {}, {}
    anon = Browser(base)
    by_user["(signed out)"] = crawl.crawl(anon.fetch, ["/signin", "/signin/staff", "/dev/sms"], depth=1, base=base)
    for role, name, url in links:
        b = Browser(base)
        b.sign_in(url)
        browsers[name] = b
        by_user[name] = crawl.crawl(b.fetch, ["/"], depth=depth, base=base, limit=limit)
    for user, ps in by_user.items():
        pages += [dict(p, user=user) for p in ps]
    heaviest_html = max(pages, key=lambda p: p["html_gz"])
    heaviest = max(pages, key=lambda p: p["total_gz"])
    partials = [(p["user"], u, s) for p in pages for u, s in p["partials"]]
    heaviest_partial = max(partials, key=lambda x: x[2]) if partials else None
    sig = [p for p in pages if p["signature_pad"] and not crawl.is_signing_page(p["path"])]
    n = len({(p["user"], p["path"]) for p in pages})
    rows = [
        metric("page_html_gzip_max", heaviest_html["html_gz"] / 1024, "KB", crawl.HTML_BUDGET / 1024,
               note=f"{heaviest_html['user']} {heaviest_html['path']}; {n} pages crawled as {len(by_user)} users"),
        metric("page_first_load_gzip_max", heaviest["total_gz"] / 1024, "KB", crawl.FIRST_LOAD_BUDGET / 1024,
               baseline=27.5, note=f"{heaviest['user']} {heaviest['path']}; baseline: GOV.UK Frontend CSS+JS"),
        metric("htmx_partial_gzip_max", heaviest_partial[2] / 1024 if heaviest_partial else 0, "KB",
               crawl.PARTIAL_BUDGET / 1024,
               note=f"{heaviest_partial[0]} {heaviest_partial[1]}" if heaviest_partial else "no partials found"),
        metric("pages_loading_signature_script_elsewhere", len(sig), "pages", 0,
               note=", ".join(p["path"] for p in sig[:5]) or None),
    ]
    return rows, pages, browsers


def find_hearing(pages):
    """The biggest hearing page found by crawling, and the URL it polls (if any)."""
    hearing = [p for p in pages if "hearing" in p["path"]]
    if not hearing:
        return None, None, None
    best = max(hearing, key=lambda p: p["html_gz"])
    return best["user"], best["path"], (best["polls"][0] if best.get("polls") else None)
