"""The N+1 guard: the number of SQL statements a page runs must not grow with the data it shows.

Each page is measured twice, once on a small court and once after more of everything was added
(messages with exhibits, cases, parties, attachments); a page whose count grows loads rows one by
one. `make bench` reports the counts themselves (bench/pages.py).
"""
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from werkzeug.datastructures import FileStorage

from app.models import utcnow
from app.services import filing, hearings
from tests.services.test_filing import GOOD_ID, PDF, complete_draft
from tests.services.test_hearings import build_room, png_bytes


@contextmanager
def counting(engine):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(client, db, url, **kwargs):
    """The fewest statements of two requests, after a warm-up: first-use work (mapper configuration,
    caches) is not the page's, nor is a once-in-10-seconds presence write that a slow run may hit."""
    client.get(url, **kwargs)
    counts = []
    for _ in range(2):
        with counting(db.engine) as statements:
            resp = client.get(url, **kwargs)
        assert resp.status_code in (200, 304), (url, resp.status_code)
        counts.append(len(statements))
    return min(counts), resp


@pytest.fixture
def court(db, make_user, make_case, make_court, world):
    room = build_room(db, make_user, make_case, make_court)
    court_, clerk, filer = world
    room.filing_court, room.filing_clerk, room.filer = court_, clerk, filer

    def grow(n):
        """n more of everything the pages list; the filing pages show a new filing with n more parties
        and attachments (a submitted filing no longer changes)."""
        room.filing = complete_draft(db, court_, filer)
        for i in range(n):
            hearings.post_message(room.hearing, room.plaintiff, f"第{i}条发言", files=[
                FileStorage(io.BytesIO(png_bytes()), filename=f"照片{i}.png")])
            hearings.post_message(room.hearing, room.judge, f"法官第{i}条")
            hearings.post_item(room.hearing, room.judge, f"事项{i}", parties=[room.d_party],
                               deadline=utcnow() + timedelta(days=3))
            make_case(court=room.court, filer=room.plaintiff)
            filing.add_party(room.filing, filer, role="defendant", name=f"被告{i}", id_number=GOOD_ID,
                             phone=f"1380000{i:04d}")
            filing.add_attachment(room.filing, filer, role="evidence",
                                  upload=FileStorage(io.BytesIO(PDF), filename=f"证据{i}.pdf"))
        filing.submit(room.filing, filer)
        db.session.commit()
    room.grow = grow
    return room


def _pages(room):
    thread = f"/cases/{room.case.id}/hearings/{room.hearing.id}"
    return [  # (page, who, url)
        ("judge's home", "judge", "/"), ("party's home", "plaintiff", "/"),
        ("hearing thread (party)", "plaintiff", thread), ("hearing thread (judge)", "judge", thread),
        ("participants", "plaintiff", f"{thread}/participants"), ("print view", "judge", f"{thread}/print"),
        ("filing (filer)", "filer", f"/filings/{room.filing.filing_ref}"),
        ("filing review", "filing_clerk", f"/review/{room.filing.filing_ref}"),
        ("review queue", "filing_clerk", "/review/"), ("case documents", "plaintiff", f"/cases/{room.case.id}/documents"),
    ]


def test_no_page_runs_more_statements_when_it_shows_more(client, auth, db, court):
    def measure():
        counts = {}
        for page, who, url in _pages(court):
            auth.login(getattr(court, who), face=True)
            counts[page] = statements_for(client, db, url)[0]
            auth.logout()
        return counts
    court.grow(1)
    small = measure()
    court.grow(4)
    large = measure()
    grown = {page: (small[page], large[page]) for page in small if large[page] > small[page]}
    assert not grown, f"statements grew with the data (N+1): {grown}"
