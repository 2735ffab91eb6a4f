"""Creating forms act once: a key made when the form is rendered, a unique (user, key) row, and the
same result for a repeated POST (a double tap on 3G, a retry after a timeout)."""
import re
import threading

import pytest
from sqlalchemy import func, select

from app.models import Case
from app.models.filing import FilingVersion
from app.models.hearing import ExtensionRequest
from app.models.record import IdempotencyKey
from tests.blueprints.test_hearings import room  # noqa: F401 - fixture
from tests.services.test_filing import case_in
from tests.services.test_filing import upload
from app.services import filing


def _key(html):
    return re.search(r'name="idem_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="idem_key"', html).group(1)


def _count(db, model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_double_tap_on_new_filing_makes_one_draft_and_shows_it_twice(client, auth, db, world):
    court, _clerk, filer = world
    auth.login(filer)
    key = _key(client.get("/filings/new").get_data(as_text=True))
    data = {"court": court.id, "kind": "civil", "idem_key": key}
    first = client.post("/filings/new", data=dict(data))
    second = client.post("/filings/new", data=dict(data))
    assert first.status_code == 302 and second.status_code == 303
    assert second.location == first.location  # the same result, not a second draft
    assert _count(db, Case) == 1
    other = client.post("/filings/new", data={"court": court.id, "kind": "civil",
                                              "idem_key": _key(client.get("/filings/new").get_data(as_text=True))})
    assert other.status_code == 302 and _count(db, Case) == 2  # a new form is a new filing


def test_parallel_posts_with_one_key_create_one_filing(app, make_client, auth, db, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL")
    court, _clerk, filer = world
    clients, court_id = [make_client() for _ in range(5)], court.id
    for c in clients:
        auth.login(filer, c=c)
    key = _key(clients[0].get("/filings/new").get_data(as_text=True))
    barrier, out = threading.Barrier(5), [None] * 5

    def tap(i):
        with app.app_context():
            barrier.wait()
            out[i] = clients[i].post("/filings/new", data={"court": court_id, "kind": "civil", "idem_key": key})
    threads = [threading.Thread(target=tap, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.status_code for r in out) == [302, 303, 303, 303, 303], [r.status_code for r in out]
    assert len({r.location for r in out}) == 1
    assert _count(db, Case) == 1 and _count(db, IdempotencyKey) == 1


@pytest.mark.parametrize("bad", ["x" * 65, "short", "../../etc", "ключ-ключ-ключ-ключ", "a\x00" * 10])
def test_malformed_or_overlong_key_is_a_400_and_creates_nothing(client, auth, db, world, bad):
    court, _clerk, filer = world
    auth.login(filer)
    resp = client.post("/filings/new", data={"court": court.id, "kind": "civil", "idem_key": bad})
    assert resp.status_code == 400
    assert _count(db, Case) == 0


def test_refused_post_keeps_the_key_usable(client, auth, db, world):
    court, _clerk, filer = world
    auth.login(filer)
    key = _key(client.get("/filings/new").get_data(as_text=True))
    assert client.post("/filings/new", data={"court": "", "kind": "civil", "idem_key": key}).status_code == 400
    assert client.post("/filings/new", data={"court": court.id, "kind": "civil", "idem_key": key}).status_code == 302
    assert _count(db, Case) == 1


def test_resubmission_tapped_twice_makes_one_version(client, auth, db, world):
    court, clerk, filer = world
    case = case_in(db, "needs_correction", court, clerk, filer)
    att = filing.current_attachments(case)[0]
    filing.add_attachment(case, filer, role=att.role, upload=upload(name="signed.pdf"), replaces=att)
    db.session.commit()
    auth.login(filer, face=True)
    html = client.get(f"/filings/{case.filing_ref}").get_data(as_text=True)
    form = html[html.index("/resubmit"):]
    data = {"revision": re.search(r'name="revision"[^>]*value="(\d+)"', form).group(1), "idem_key": _key(form),
            "reply": "已补正"}
    first = client.post(f"/filings/{case.filing_ref}/resubmit", data=dict(data))
    second = client.post(f"/filings/{case.filing_ref}/resubmit", data=dict(data))
    assert first.status_code == 302 and second.status_code == 303 and second.location == first.location
    assert db.session.scalar(select(func.count()).select_from(FilingVersion)
                             .where(FilingVersion.case_id == case.id)) == 2  # the submission and one resubmission


def test_extension_request_tapped_eight_times_is_one_request(client, auth, db, room):
    auth.login(room.defendant, face=True)
    before = _count(db, ExtensionRequest)
    url = f"{room.url}/items/{room.item.id}"
    key = _key(client.get(url).get_data(as_text=True).split("/extension")[1])
    codes = [client.post(f"{url}/extension", data={"reason": "需要调取银行流水", "idem_key": key}).status_code
             for _ in range(8)]
    assert codes[0] == 302 and set(codes[1:]) == {303}
    assert _count(db, ExtensionRequest) == before + 1


def test_creating_forms_carry_a_fresh_key(client, auth, db, room, world):
    """Each render makes a new key, so two separate filings are two filings."""
    auth.login(room.judge)
    pages = [f"/cases/{room.case.id}/hearings", f"/cases/{room.case.id}/service/new",
             f"/cases/{room.case.id}/mediation/terms"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert _key(html), url
        assert _key(html) != _key(client.get(url).get_data(as_text=True)), url


def test_double_tap_on_opening_a_hearing_opens_one_room(client, auth, db, room):
    from app.models.hearing import Hearing
    auth.login(room.judge)
    url = f"/cases/{room.case.id}/hearings"
    key = _key(client.get(url).get_data(as_text=True))
    before = _count(db, Hearing)
    data = {"purpose": "talk", "mode": "sync", "title": "谈话", "idem_key": key,
            "parties": [p.id for p in room.case.parties]}
    first, second = client.post(url, data=dict(data)), client.post(url, data=dict(data))
    assert first.status_code == 302 and second.status_code == 303 and second.location == first.location
    assert _count(db, Hearing) == before + 1


@pytest.mark.parametrize("bad", ["k" * 65, "key with spaces", "ключ", "a\x00b"])
def test_message_with_a_malformed_key_is_a_400_and_posts_nothing(client, auth, db, room, bad):
    from app.models.hearing import Message
    auth.login(room.plaintiff, face=True)
    before = _count(db, Message)
    resp = client.post(f"{room.url}/messages", data={"text": "你好", "key": bad})
    assert resp.status_code == 400
    assert _count(db, Message) == before
