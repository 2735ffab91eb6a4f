"""A bounded crawler over the demo, used by the link and wording tests: every `<a href>` and
`hx-get` of every page a person can reach, starting from the home page."""
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

# Links that change state for the crawler itself (language cookie) or lead out of the person's session.
SKIP_PREFIXES = ("/lang/", "/l/", "/signin", "/dev/sms")
MAX_VARIANTS = 3  # query-string variants of one path (pages of a thread, reply_to=...)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if (tag == "a" and name == "href") or name == "hx-get":
                self.hrefs.append(value or "")


def links_of(html):
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def crawl(client, start="/", limit=400):
    """Visit pages breadth-first. Returns (pages, bad): pages maps path -> (status, html or None);
    bad lists (page, href, why) for every broken link."""
    pages, bad = {}, []
    queue = deque([(start, "(start)")])
    variants = {}
    while queue and len(pages) < limit:
        url, source = queue.popleft()
        if url in pages:
            continue
        path = urlsplit(url).path
        variants[path] = variants.get(path, 0) + 1
        if variants[path] > MAX_VARIANTS:
            continue
        resp = client.get(url)
        html = resp.get_data(as_text=True) if resp.mimetype == "text/html" else None
        pages[url] = (resp.status_code, html)
        if resp.status_code in (301, 302, 303):
            queue.append((urlsplit(resp.headers["Location"])._replace(scheme="", netloc="").geturl(), url))
            continue
        if resp.status_code >= 400:
            bad.append((source, url, resp.status_code))
            continue
        if html is None:
            continue
        for href in links_of(html):
            if "<built-in" in href or "None" in href or "{{" in href or href.strip() == "":
                bad.append((url, href, "malformed"))
                continue
            href, _frag = urldefrag(href)
            if not href:
                continue
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue  # nothing external is linked, but never crawl out
            if not href.startswith("/"):
                bad.append((url, href, "relative"))
                continue
            if href.startswith(SKIP_PREFIXES) or href in pages:
                continue
            queue.append((href, url))
    return pages, bad


WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


class Text(HTMLParser):
    """The words a person reads: text outside script/style, plus alt, title, placeholder, aria-label
    and button values."""
    SKIP = {"script", "style", "noscript"}

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title", "placeholder", "aria-label") and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") in ("submit", "button") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html):
    parser = Text()
    parser.feed(html)
    return " ".join(parser.parts)
