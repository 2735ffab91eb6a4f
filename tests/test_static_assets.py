"""What a cheap phone downloads and parses: old-WebView-safe JS and first-load size budgets.

Budgets are sizes, not timings, so they are tests; speed itself is measured by `make bench`.
"""
import re
from pathlib import Path

import pytest

from bench import crawl

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"
JS_FILES = sorted(STATIC.rglob("*.js"))
REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}
REGEX_KEYWORDS = ("return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw")


def code_only(src: str) -> str:
    """JS with comments, string, template and regex literals blanked out (a small lexer)."""
    out, i, n = [], 0, len(src)
    last = ""  # last significant code character or word, to tell a regex from a division
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            i = src.find("\n", i)
            i = n if i < 0 else i
        elif src.startswith("/*", i):
            end = src.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "'\"`":
            i += 1
            while i < n and src[i] != c:
                i += 2 if src[i] == "\\" else 1
            i += 1
            out.append(" 0 ")
            last = "0"
        elif c == "/" and (last in REGEX_BEFORE or last in REGEX_KEYWORDS):
            i += 1
            in_class = False
            while i < n and (src[i] != "/" or in_class):
                if src[i] == "\\":
                    i += 1
                elif src[i] == "[":
                    in_class = True
                elif src[i] == "]":
                    in_class = False
                i += 1
            i += 1
            while i < n and (src[i].isalnum()):
                i += 1  # flags
            out.append(" 0 ")
            last = "0"
        else:
            m = re.compile(r"[A-Za-z_$][\w$]*").match(src, i)
            if m:
                out.append(m.group())
                last = m.group()
                i = m.end()
                continue
            out.append(c)
            if not c.isspace():
                last = c
            i += 1
    return "".join(out)


def old_webview_problems(src: str):
    """Syntax newer than Chrome 61 that would stop the whole file from parsing."""
    code = code_only(src)
    problems = []
    if re.search(r"\?\.(?!\d)", code):
        problems.append("optional chaining `?.`")
    if "??" in code:
        problems.append("nullish coalescing `??`")
    if re.search(r"#[A-Za-z_$]", code):
        problems.append("private class member `#name`")
    if re.search(r"\bcatch\s*\{", code):
        problems.append("optional catch binding `catch {` (Chrome 66)")
    return problems


def test_lexer_finds_modern_syntax_and_ignores_strings_and_regexes():
    assert old_webview_problems("var a = b?.c;") == ["optional chaining `?.`"]
    assert old_webview_problems("var a = b ?? 1;") == ["nullish coalescing `??`"]
    assert old_webview_problems("class A { #x = 1; get() { return this.#x } }") == ["private class member `#name`"]
    assert old_webview_problems("try{f()}catch{}") == ["optional catch binding `catch {` (Chrome 66)"]
    # Ternaries with decimals, strings, comments, selectors and regex literals are fine.
    assert old_webview_problems('var a = b?.5:1; var s = "a?.b ?? #x"; // c?.d\n var r = /#x??/g; q("#main")') == []
    assert old_webview_problems("var x = a / b / c; /* ?? */") == []


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: str(p.relative_to(STATIC)))
def test_shipped_js_parses_on_android_webview_61(path):
    assert old_webview_problems(path.read_text(encoding="utf-8")) == []


def test_no_fonts_are_shipped():
    fonts = [p for p in STATIC.rglob("*") if p.suffix.lower() in (".woff", ".woff2", ".ttf", ".otf", ".eot")]
    css = " ".join(p.read_text(encoding="utf-8") for p in STATIC.rglob("*.css"))
    assert fonts == [] and "@font-face" not in css


# --- first-load budgets, crawled as each person sees the court ------------------------------

def _fetcher(client):
    def fetch(path, htmx=False):
        resp = client.get(path, headers={"HX-Request": "true"} if htmx else {})
        return resp.status_code, resp.content_type, resp.get_data()
    return fetch


def _report(pages):
    return "\n".join(f"{p['path']}: html {p['html_gz']} B, first load {p['total_gz']} B, "
                     f"partials {p['partials']}" for p in pages)


def test_public_pages_fit_first_round_trip_and_budget(client, db):
    from app import demo
    demo.seed()
    db.session.commit()
    pages = crawl.crawl(_fetcher(client), ["/signin", "/signin/staff", "/signin/code?phone=13800000001",
                                           "/dev/sms"], depth=1)
    assert {"/signin", "/signin/staff"} <= {p["path"] for p in pages}
    assert crawl.violations(pages) == [], _report(pages)


def test_pages_each_demo_user_reaches_fit_budget(app, db, make_client):
    from app import demo
    from app.services.auth import create_action_link
    demo.seed()
    db.session.commit()
    users = [(u.id, u.name) for u in demo.demo_users()]
    assert len(users) >= 6
    report = []
    for user_id, name in users:
        from app.models import User
        path = create_action_link(db.session.get(User, user_id), "/", purpose="demo_sign_in",
                                  counts_as_face_check=True)
        db.session.commit()
        c = make_client()
        assert c.post(path).status_code == 302
        pages = crawl.crawl(_fetcher(c), ["/"], depth=2)
        assert pages and pages[0]["path"] == "/", f"{name} could not open the home page"
        report += [f"{name} {line}" for line in crawl.violations(pages)]
    assert report == []


def test_signature_script_only_on_signing_pages():
    assert crawl.is_signing_page("/hearings/3/transcript/sign")
    assert not crawl.is_signing_page("/signin") and not crawl.is_signing_page("/signout")
    templates = Path(__file__).resolve().parent.parent / "app" / "templates"
    base = (templates / "base.html").read_text(encoding="utf-8")
    assert "signature_pad" not in base  # never in the layout every page shares
