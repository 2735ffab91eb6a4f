"""Every demo page in Chinese says things in Chinese: no raw event codes, no English words
(issue #14, item 6). A short allow-list holds proper nouns, units and codes people are shown on purpose."""
import re

import pytest
from sqlalchemy import select

from tests.journey.crawl import crawl, visible_text

ROLES = ["judge", "clerk", "王芳", "陈强", "刘洋", "outsider赵六"]
# Words a Chinese page may show: units, standards and formats, the demo's own data.
ALLOWED = {"SHA", "KB", "MB", "PDF", "SMS", "JPEG", "PNG", "HEIC", "MP4", "ID", "English", "LA2026",
           "outsider", "UTC", "Asia", "Shanghai", "MicroCourt", "Word", "Excel",
           # The workbench's access-key help (issue #18): browser names are products, and Alt and Shift
           # are what the keycaps say; Chinese users say them the same way, so there is nothing to translate.
           "Chrome", "Edge", "Firefox", "Alt", "Shift"}
FILE_EXT = re.compile(r"\.(pdf|png|jpe?g|heic|mp4|webm|txt|docx?)\b", re.I)
# Shown on purpose, to be copied rather than read: the address a printed dossier is checked at (issue #16)
# and the court's signed log by its name ("court-1") or an entry's place in it ("court-1#9").
ADDRESS = re.compile(r"https?://\S+|\b[a-z]+-\d+(?:#\d+)?\b")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*[A-Za-z0-9]|[A-Za-z]")


def foreign_words(text):
    text = ADDRESS.sub(" ", FILE_EXT.sub(" ", text))
    words = set()
    for w in WORD.findall(text):
        if w in ALLOWED or len(w) < 2 or re.fullmatch(r"[A-Z]{1,3}\d*|[a-f0-9]+|T\d+|DEMO\d+|[A-Z0-9]{4,}|[A-Z0-9]*\d[A-Z0-9]*|v\d+", w):
            continue  # single letters, short codes (A1), hex digests, filing references
        words.add(w)
    return words


@pytest.fixture
def demo(db):
    from app import demo as demo_module
    demo_module.seed()
    db.session.commit()


@pytest.mark.parametrize("who", ROLES)
def test_every_demo_page_in_chinese_has_no_english_word_or_code(who, demo, db, make_client, auth):
    from app.models import User
    user = db.session.scalar(select(User).where((User.username == who) | (User.name == who)))
    c = make_client()
    auth.login(user, face=True, c=c)
    c.set_cookie("lang", "zh")
    pages, _bad = crawl(c)
    found = {}
    for url, (status, html) in pages.items():
        if html and status == 200:
            words = foreign_words(visible_text(html))
            if words:
                found[url] = sorted(words)
    assert not found, "\n".join(f"{url}: {' '.join(w)}" for url, w in found.items())
