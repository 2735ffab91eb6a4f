"""#18 item 6: transcripts are signed by the judge and the clerk too, after the parties, by the version's hash."""
import pytest

from app.models import Transcript
from app.services import signatures, storage, transcripts
from app.services.errors import InvalidState
from tests.services.documents_helpers import pdftotext
from tests.services.test_transcripts import _draft, _sign, hearing  # noqa: F401


def test_judge_and_clerk_countersign_after_the_parties_and_the_signed_copy_names_them(db, hearing, make_user,  # noqa: F811
                                                                                        make_court, tmp_path):
    t, draft = _draft(db, hearing)
    judge = hearing["judge"]
    clerk = make_user("clerk", court=judge.court, name="李敏")
    with pytest.raises(InvalidState):  # the parties sign first
        transcripts.countersign(t, judge, draft.content_hash)
    _sign(db, hearing["plaintiff"], t)
    _sign(db, hearing["defendant"], t)
    db.session.expire_all()
    t = db.session.get(Transcript, t.id)
    assert t.state == "final" and not transcripts.fully_signed(t)
    other_court_judge = make_user("judge", court=make_court())
    with pytest.raises(transcripts.NotTheCourtsSigner):
        transcripts.countersign(t, other_court_judge, draft.content_hash)
    with pytest.raises(transcripts.NotTheCourtsSigner):
        transcripts.countersign(t, hearing["plaintiff"], draft.content_hash)
    with pytest.raises(signatures.StaleVersion):  # a stale hash signs nothing
        transcripts.countersign(t, judge, "0" * 64)
    db.session.rollback()
    transcripts.countersign(t, judge, draft.content_hash)
    db.session.commit()
    with pytest.raises(transcripts.AlreadyAnswered):
        transcripts.countersign(t, judge, draft.content_hash)
    db.session.rollback()
    transcripts.countersign(t, clerk, draft.content_hash)
    db.session.commit()  # the signed copy is rendered again after the commit, with the court's names
    db.session.expire_all()
    t = db.session.get(Transcript, t.id)
    assert transcripts.fully_signed(t)
    text = pdftotext(storage.read_bytes(t.signed_version.file), tmp_path)
    for s in ("张俊", "审判员", "李敏", "书记员", "已电子签署", "王芳", "陈强"):
        assert s in text, s
