"""Page weights as a person's phone receives them: crawl same-site links, sum gzip sizes.

Shared by tests/test_static_assets.py (Flask test client) and bench/pages.py (the running
server over HTTP): both pass a `fetch(path, htmx=False) -> (status, content_type, body)`.
Sizes are gzip level 6 (what nginx is configured with in the README), cold cache: every
stylesheet and script a page links counts in full.
"""
import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

HTML_BUDGET = 14 * 1024      # 10 TCP segments of ~1.4 KB: the HTML arrives in the first round trip
FIRST_LOAD_BUDGET = 30 * 1024
PARTIAL_BUDGET = 6 * 1024
# Links a crawler must not follow: they change state on GET-less pages, switch language, sign in.
SKIP = re.compile(r"^/(static/|l/|lang/|signout|sms/receipt)")
DOWNLOAD_TYPES = ("text/html",)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.assets, self.partials, self.polls = [], [], [], []
        self.inputs = {}  # id -> (name, value), for hx-include="#id"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href") and "download" not in a:
            self.links.append(a["href"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            self.assets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        if tag == "input" and a.get("id") and a.get("name"):
            self.inputs[a["id"]] = (a["name"], a.get("value") or "")
        if a.get("hx-get"):
            url = (a["hx-get"], a.get("hx-include") or "")
            self.partials.append(url)
            if "every" in (a.get("hx-trigger") or ""):
                self.polls.append(url)

    def resolve(self, url):
        """An hx-get URL with the values htmx adds from hx-include="#id, #id2"."""
        path, include = url
        params = [self.inputs[i.strip()[1:]] for i in include.split(",")
                  if i.strip().startswith("#") and i.strip()[1:] in self.inputs]
        if not params:
            return path
        return path + ("&" if "?" in path else "?") + urlencode(params)


def parse(html: str, base: str):
    """(same-site page paths, asset URLs, hx-get URLs, polled hx-get URLs) in a page served at `base`."""
    p = _Parser()
    p.feed(html)

    def local(url):
        u = urlsplit(urljoin(base, url))
        if u.scheme not in ("", "http", "https") or (u.netloc and u.netloc != urlsplit(base).netloc):
            return None
        return u.path + ("?" + u.query if u.query else "")

    links = [x for x in map(local, p.links) if x and not SKIP.match(x)]
    return (links, [x for x in map(local, p.assets) if x],
            [x for x in (local(p.resolve(u)) for u in p.partials) if x],
            [x for x in (local(p.resolve(u)) for u in p.polls) if x])


def is_signing_page(path: str) -> bool:
    """The one kind of page allowed to load the signature script (signin/signout are not)."""
    return bool(re.search(r"sign(?!in|out)", path.split("?")[0]))


def crawl(fetch, starts, depth=2, base="http://localhost", limit=120):
    """Weigh every page reachable from `starts` within `depth` links. Returns a list of dicts."""
    seen, frontier, pages, asset_cache = set(), list(starts), [], {}
    for level in range(depth + 1):
        nxt = []
        for path in frontier:
            key = path.split("#")[0]
            if key in seen or len(pages) >= limit:
                continue
            seen.add(key)
            status, ctype, body = fetch(key)
            if status != 200 or not (ctype or "").startswith(DOWNLOAD_TYPES):
                continue
            links, assets, partials, polls = parse(body.decode("utf-8", "replace"), base + key)
            asset_gz = 0
            for url in assets:
                if url not in asset_cache:
                    s, _t, data = fetch(url)
                    asset_cache[url] = gz(data) if s == 200 else 0
                asset_gz += asset_cache[url]
            frag = []
            # The same URL asked for by htmx, and each hx-get target: the swaps the page makes.
            for url in dict.fromkeys([key] + partials):
                s, t, data = fetch(url, htmx=True)
                if s == 200 and (t or "").startswith("text/html") and not data.lstrip().lower().startswith(b"<!doctype"):
                    frag.append((url, gz(data)))
            html_gz = gz(body)
            pages.append(dict(path=key, html_gz=html_gz, assets_gz=asset_gz, total_gz=html_gz + asset_gz,
                              partials=frag, assets=assets, polls=polls, links=len(links),
                              signature_pad=any("signature_pad" in a for a in assets)))
            nxt.extend(links)
        frontier = nxt
    return pages


def violations(pages):
    """Budget breaches as readable lines (empty when every page is within budget)."""
    out = []
    for p in pages:
        if p["html_gz"] > HTML_BUDGET:
            out.append(f"{p['path']}: HTML {p['html_gz']} B gzip > {HTML_BUDGET}")
        if p["total_gz"] > FIRST_LOAD_BUDGET:
            out.append(f"{p['path']}: first load {p['total_gz']} B gzip > {FIRST_LOAD_BUDGET}")
        for url, size in p["partials"]:
            if size > PARTIAL_BUDGET:
                out.append(f"{p['path']}: partial {url} {size} B gzip > {PARTIAL_BUDGET}")
        if p["signature_pad"] and not is_signing_page(p["path"]):
            out.append(f"{p['path']}: loads the signature script outside the signing page")
    return out
