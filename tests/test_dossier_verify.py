"""`flask dossier verify`: exit 0 when intact, 1 naming the changed event or file."""
import io
import subprocess
import sys

from sqlalchemy import text
from werkzeug.datastructures import FileStorage

from tests.conftest import ROOT, worker_env


def _verify(app, *args):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "dossier", "verify", *args], cwd=ROOT,
                          env=worker_env(app), capture_output=True, text=True, timeout=120)


def test_verify_names_changed_event_and_file(app, db, make_case, make_user):
    from app.services import storage
    from app.services.events import record_event
    case = make_case()
    clerk = make_user("clerk")
    record_event(case, clerk, "note", text="原始记录")
    record_event(case, clerk, "note", text="第二条")
    stored = storage.save_upload(FileStorage(io.BytesIO(b"%PDF-1.4 evidence"), filename="证据.pdf"),
                                 kind="document", actor=clerk, case=case)
    db.session.commit()
    ok = _verify(app, case.case_number)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    db.session.execute(text("UPDATE case_events SET data = :d WHERE seq = 1 AND case_id = :c"),
                       {"d": '{"text": "篡改"}', "c": case.id})
    db.session.commit()
    storage.path_of(stored).write_bytes(b"%PDF-1.4 changed")
    bad = _verify(app, "--all")
    assert bad.returncode == 1
    assert "event #1 (note) was changed" in bad.stdout
    assert "证据.pdf" in bad.stdout and "changed after receipt" in bad.stdout


def test_verify_unknown_case_is_a_clear_error(app, db):
    out = _verify(app, "(2026)沪9999民初1号")
    assert out.returncode == 2 and "no case" in out.stderr and "Traceback" not in out.stderr


def test_public_verify_page_knows_every_coded_document(client, db):
    from sqlalchemy import select

    from app import demo
    from app.models.mediation import MediationAgreement
    from app.models.transcript import TranscriptVersion
    demo.seed(None)
    db.session.commit()
    signed = db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.kind != "draft")).first()
    agreement = db.session.scalars(select(MediationAgreement).where(MediationAgreement.file_id.isnot(None))).first()
    for code, title in ((signed.verification_code, "笔录"), (agreement.verification_code, "调解协议")):
        page = client.get(f"/verify/{code.lower()}").get_data(as_text=True)
        assert title in page and "SHA-256" in page
        assert "王芳" not in page and "138" not in page  # nothing personal on a public page
    assert client.get("/verify/ZZZZ-ZZZZ").status_code == 404
