"""One access model (#12): objects of a hearing follow participation in *that* hearing, and a
signature image is shown to staff only of a court where the signer has a case."""
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.models import Transcript
from app.services import consent as consent_service, hearings as svc, signatures
from tests.services.documents_helpers import drawn_png
from tests.services.test_hearings import build_room, png_bytes


@pytest.fixture
def one_sided(db, make_user, make_case, make_court):
    """A case with an evidence exchange for both sides, then a mediation session (调解) with the
    plaintiff only, where the plaintiff sends a photo and says something private; then it closes."""
    r = build_room(db, make_user, make_case, make_court)
    mediation = svc.open_hearing(r.case, r.judge, purpose="mediation", title="单方调解", parties=[r.p_party])
    consent_service.record_consent(r.case, r.p_party, "mediation", True, r.plaintiff)
    msg = svc.post_message(mediation, r.plaintiff, "我方底线是八万元",
                           files=[FileStorage(stream=io.BytesIO(png_bytes()), filename="bottom-line.png")])
    db.session.commit()
    svc.close_hearing(mediation, r.judge)
    db.session.commit()  # inline jobs: the thumbnail and the transcript draft
    ev = msg.evidence[0]
    db.session.refresh(ev)
    transcript = db.session.scalar(select(Transcript).where(Transcript.hearing_id == mediation.id))
    return SimpleNamespace(r=r, mediation=mediation, ev=ev, transcript=transcript,
                           shared=f"/cases/{r.case.id}/hearings/{r.hearing.id}",
                           private=f"/cases/{r.case.id}/hearings/{mediation.id}")


def test_party_left_out_of_a_hearing_cannot_reach_its_exhibits_or_transcript(client, auth, db, one_sided):
    s = one_sided
    assert s.ev.thumbnail_file_id is not None and s.transcript is not None
    auth.login(s.r.defendant, face=True)
    # Through the hearing the defendant does take part in, with the other hearing's exhibit id.
    assert client.get(f"{s.shared}/evidence/{s.ev.id}").status_code == 404
    assert client.get(f"{s.shared}/evidence/{s.ev.id}/thumb").status_code == 404
    assert client.get(f"{s.private}/evidence/{s.ev.id}").status_code == 404
    listing = client.get(f"/cases/{s.r.case.id}/hearings/exhibits").get_data(as_text=True)
    assert "bottom-line.png" not in listing
    assert client.get(f"/transcripts/{s.transcript.id}").status_code == 404
    version = s.transcript.current_draft
    assert client.get(f"/transcripts/{s.transcript.id}/versions/{version.id}.pdf").status_code == 404
    documents = client.get(f"/cases/{s.r.case.id}/documents").get_data(as_text=True)
    assert f"/transcripts/{s.transcript.id}" not in documents
    thread = client.get(s.shared).get_data(as_text=True)
    assert s.ev.label not in thread  # not offered as an exhibit to comment on either


def test_participants_and_court_still_reach_the_hearing_exhibits_and_transcript(client, auth, make_client, db,
                                                                               one_sided):
    s = one_sided
    auth.login(s.r.plaintiff, face=True)
    assert client.get(f"{s.private}/evidence/{s.ev.id}").status_code == 200
    assert client.get(f"{s.private}/evidence/{s.ev.id}/thumb").status_code == 200
    assert "bottom-line.png" in client.get(f"/cases/{s.r.case.id}/hearings/exhibits").get_data(as_text=True)
    assert client.get(f"/transcripts/{s.transcript.id}").status_code == 200
    judge = make_client()
    auth.login(s.r.judge, c=judge)
    assert judge.get(f"{s.private}/evidence/{s.ev.id}").status_code == 200
    assert judge.get(f"/transcripts/{s.transcript.id}").status_code == 200


def test_staff_of_another_court_cannot_fetch_a_signature_image(client, auth, make_client, db, make_user, make_case,
                                                              make_court):
    court, elsewhere = make_court(), make_court()
    signer = make_user()
    make_case(court=court, filer=signer)
    sig = signatures.save_signature(signer, drawn_png())
    db.session.commit()
    url = f"/signature/{sig.id}.png"
    for role in ("judge", "clerk", "admin"):
        c = make_client()
        auth.login(make_user(role, court=elsewhere), c=c)
        assert c.get(url).status_code == 404, role
    auth.login(make_user("clerk", court=court))
    assert client.get(url).status_code == 200  # staff of the signer's court see it on that case's documents


def test_model_predicates_answer_once(db, make_user, make_court):
    court, other = make_court(), make_court()
    judge, admin = make_user("judge", court=court), make_user("admin", court=court)
    assert court.is_staff(judge) and court.is_staff(admin)
    assert court.is_staff(judge, roles=("judge", "clerk")) and not court.is_staff(admin, roles=("judge", "clerk"))
    assert not other.is_staff(judge) and not court.is_staff(make_user("litigant")) and not court.is_staff(None)


def test_every_route_of_a_hearing_is_404_for_a_party_left_out_of_it(app, client, auth, db, one_sided):
    """GET and POST on every /<hid>/ route of the one-sided session, with its real ids, as the other side."""
    import re
    from app.models import Message
    s = one_sided
    values = {"case_id": s.r.case.id, "hid": s.mediation.id, "evidence_id": s.ev.id, "item_id": 1, "request_id": 1}
    auth.login(s.r.defendant, face=True)
    before = db.session.query(Message).count()
    tried = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("hearings.") or "<int:hid>" not in rule.rule:
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method, data={"csrf_token": client.csrf_token(), "text": "x"})
            assert resp.status_code == 404, (method, url, resp.status_code)
            tried += 1
    assert tried >= 20
    assert db.session.query(Message).count() == before
