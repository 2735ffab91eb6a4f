"""The tamper cases of issue #15, each tried as an insider with database access would, and each
caught and named by `flask dossier verify`; the log's append-only trigger; proofs checked by the
standalone verifier; forged checkpoints, wrong sizes, crashes between file and leaf."""
import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from tests.conftest import ROOT


@pytest.fixture
def court(app, db):
    """The demo court, fully logged, with a signed checkpoint."""
    from app import demo
    from app.services import dossier
    demo.seed(None)
    db.session.commit()
    dossier.sign_checkpoints()
    db.session.commit()
    return db


def _verify(app, *args):
    result = app.test_cli_runner().invoke(args=["dossier", "verify", *args])
    return result.exit_code, result.output


def _insider(db, sql, **params):
    """An insider with database access: triggers off for this connection, as a superuser can."""
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)
    db.session.expire_all()


def test_intact_court_verifies(app, court):
    code, out = _verify(app, "--all")
    assert code == 0, out


def test_evidence_file_replaced_with_its_stored_hash(app, court):
    from app.models import Evidence
    from app.services import storage
    ev = court.session.scalars(select(Evidence).order_by(Evidence.id)).first()
    forged = b"%PDF-1.4 a different document"
    storage.path_of(ev.file).write_bytes(forged)
    import hashlib
    _insider(court, "UPDATE stored_files SET sha256 = :h, size = :s WHERE id = :i",
             h=hashlib.sha256(forged).hexdigest(), s=len(forged), i=ev.file_id)
    code, out = _verify(app, "--all")
    assert code == 1
    assert f"exhibit {ev.id} (证据{ev.exhibit_no}) was changed after it was logged (its file was replaced)" in out
    assert f"file {ev.file_id} " in out


def test_last_event_deleted(app, court):
    from app.models import Case, CaseEvent
    case = court.session.scalars(select(Case).where(Case.case_number.isnot(None)).order_by(Case.id)).first()
    last = court.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                 .order_by(CaseEvent.seq.desc())).first()
    last_id, number = last.id, case.case_number
    _insider(court, "DELETE FROM case_events WHERE id = :i", i=last_id)
    code, out = _verify(app, number)
    assert code == 1
    assert f"event {last_id} is missing" in out


def test_last_event_deleted_with_its_leaf_is_caught_by_the_checkpoint(app, court):
    from app.models import Case, DossierLeaf
    from app.services.events import record_event
    case = court.session.scalars(select(Case).where(Case.case_number.isnot(None)).order_by(Case.id)).first()
    event = record_event(case, None, "note", text="最后一条")
    court.session.commit()
    from app.services import dossier
    dossier.sign_checkpoints()
    court.session.commit()
    leaf = dossier.leaf_for("event", event.id)
    assert leaf.index == court.session.scalar(select(func.max(DossierLeaf.index)).where(DossierLeaf.log == leaf.log))
    log, index, number = leaf.log, leaf.index, case.case_number
    _insider(court, "DELETE FROM case_events WHERE id = :i", i=event.id)
    _insider(court, "DELETE FROM dossier_leaves WHERE id = :i", i=leaf.id)
    code, out = _verify(app, number)
    assert code == 1
    assert f"log {log}: the signed checkpoint has {index + 1} entries but the log now has {index}" in out


def test_hearing_message_text_edited(app, court):
    from app.models import Message
    msg = court.session.scalars(select(Message).where(Message.kind == "text").order_by(Message.id)).first()
    _insider(court, "UPDATE hearing_messages SET text = :t WHERE id = :i", t="我方从未收到货物。", i=msg.id)
    code, out = _verify(app, "--all")
    assert code == 1
    assert f"message {msg.id} (by {msg.author_name}) was changed after it was logged (it was changed)" in out


def test_signature_image_replaced(app, court):
    import hashlib

    from app.models import Signature, SignatureApplication
    from app.services import storage
    used = court.session.scalars(select(SignatureApplication).order_by(SignatureApplication.id)).first()
    sig = court.session.get(Signature, used.signature_id)
    forged = b"\x89PNG\r\n\x1a\n someone else's signature"
    storage.path_of(sig.image).write_bytes(forged)
    _insider(court, "UPDATE stored_files SET sha256 = :h WHERE id = :i", h=hashlib.sha256(forged).hexdigest(),
             i=sig.image_id)
    _insider(court, "UPDATE signatures SET sha256 = :h WHERE id = :i", h=hashlib.sha256(forged).hexdigest(), i=sig.id)
    code, out = _verify(app, "--all")
    assert code == 1
    assert f"signature {sig.id} was changed after it was logged" in out
    assert f"signature_application {used.id} was changed after it was logged" in out


def test_case_number_changed(app, court):
    from app.models import Case
    case = court.session.scalars(select(Case).where(Case.case_number.isnot(None)).order_by(Case.id)).first()
    _insider(court, "UPDATE cases SET case_number = :n WHERE id = :i", n="(2026)沪0101民初9999号", i=case.id)
    code, out = _verify(app, "(2026)沪0101民初9999号")
    assert code == 1
    assert f"case_number {case.id} ((2026)沪0101民初9999号) was changed after it was logged" in out


def test_chain_rewritten_from_an_edited_event(app, court):
    """The insider edits event #2 and recomputes every later hash: the chain is valid again, the
    leaves are not; then they rewrite the leaves too: the signed checkpoint is not."""
    from app.models import Case, CaseEvent, DossierLeaf
    from app.services import dossier, merkle
    from app.services.dossier_records import KINDS, content_sha256
    from app.services.events import GENESIS, _digest, verify_chain
    busiest = court.session.execute(select(CaseEvent.case_id).group_by(CaseEvent.case_id)
                                    .order_by(func.count().desc()).limit(1)).scalar()
    case = court.session.get(Case, busiest)
    events = court.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert len(events) >= 3 and case.case_number
    prev = GENESIS
    for ev in events:
        data = dict(ev.data, forged=True) if ev.seq == 2 else ev.data
        h = _digest(prev, ev.seq, ev.kind, ev.actor_id, ev.created_at, data)
        _insider(court, "UPDATE case_events SET data = :d, prev_hash = :p, hash = :h WHERE id = :i",
                 d=json.dumps(data), p=prev, h=h, i=ev.id)
        prev = h
    assert verify_chain(case.id) == []
    code, out = _verify(app, case.case_number)
    assert code == 1
    for ev in events[1:]:
        assert f"event {ev.id} (#{ev.seq} ({ev.kind})) was changed after it was logged" in out

    kind = KINDS["event"]
    rows = {r.id: r for r in court.session.execute(kind.selection().where(CaseEvent.case_id == case.id))}
    for leaf in court.session.scalars(select(DossierLeaf).where(DossierLeaf.kind == "event",
                                                                DossierLeaf.case_id == case.id)):
        leaf.content_sha256 = content_sha256(kind, rows[leaf.record_id], {})
        new_hash = merkle.leaf_hash(dossier.entry_bytes(leaf)).hex()
        _insider(court, "UPDATE dossier_leaves SET content_sha256 = :c, leaf_hash = :h WHERE id = :i",
                 c=leaf.content_sha256, h=new_hash, i=leaf.id)
    code, out = _verify(app, case.case_number)
    assert code == 1
    assert "was changed after it was logged" not in out
    assert "no longer match the signed checkpoint: history was rewritten" in out


def test_log_rows_cannot_be_changed_or_deleted_on_postgresql(app, court):
    from sqlalchemy.exc import DBAPIError
    if court.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; on SQLite the verifier still catches changes")
    for sql in ("UPDATE dossier_leaves SET content_sha256 = 'x'", "DELETE FROM dossier_leaves",
                "DELETE FROM dossier_checkpoints", "TRUNCATE dossier_leaves"):
        with pytest.raises(DBAPIError, match="append-only"):
            with court.engine.begin() as conn:
                conn.execute(text(sql))
    code, out = _verify(app, "--all")
    assert code == 0, out


def test_forged_checkpoint_signature_is_named(app, court):
    import base64

    from app.models import DossierCheckpoint
    cp = court.session.scalars(select(DossierCheckpoint).order_by(DossierCheckpoint.id.desc())).first()
    head, sig = cp.note.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig))
    raw[10] ^= 1
    _insider(court, "UPDATE dossier_checkpoints SET note = :n WHERE id = :i",
             n=head + " " + base64.b64encode(bytes(raw)).decode() + "\n", i=cp.id)
    code, out = _verify(app, "--all")
    assert code == 1
    assert f"checkpoint {cp.id}: the checkpoint's signature does not verify (forged or altered)" in out


def test_unlogged_record_is_named_and_repaired(app, court):
    from app.models import Hearing, Message
    from app.services import dossier
    hearing = court.session.scalars(select(Hearing).order_by(Hearing.id)).first()
    with dossier.paused():  # written behind the court's back, or before the log existed
        msg = Message(hearing_id=hearing.id, kind="text", author_name="某人", text="事后插入的发言")
        court.session.add(msg)
        court.session.commit()
    code, out = _verify(app, "--all")
    assert code == 1 and f"message {msg.id} (by 某人) is not in the dossier log" in out
    result = app.test_cli_runner().invoke(args=["dossier", "repair"])
    assert f"logged message {msg.id}" in result.output
    code, out = _verify(app, "--all")
    assert code == 0, out


def test_crash_between_storing_a_file_and_its_leaf_leaves_nothing_accepted(app, court):
    """The upload is written, the process dies before the commit: no row, no leaf, and the bytes
    left on disk are moved aside by `dossier repair`."""
    import io

    from werkzeug.datastructures import FileStorage

    from app.models import Case, StoredFile
    from app.services import dossier, storage
    case = court.session.scalars(select(Case).order_by(Case.id)).first()
    stored = storage.save_upload(FileStorage(io.BytesIO(b"%PDF-1.4 never committed"), filename="x.pdf"),
                                 kind="document", actor=None, case=case)
    path, key = storage.path_of(stored), stored.storage_key
    court.session.rollback()  # the crash
    assert court.session.scalar(select(StoredFile).where(StoredFile.storage_key == key)) is None
    assert path.exists() and dossier.unlogged() == {}
    result = app.test_cli_runner().invoke(args=["dossier", "repair"])
    assert f"moved orphan file {key}" in result.output
    assert not path.exists() and (storage.root() / "orphans" / key).exists()


def _prove(app, record, tmp_path):
    result = app.test_cli_runner().invoke(args=["dossier", "prove", record])
    assert result.exit_code == 0, result.output
    out = tmp_path / "proof.json"
    out.write_text(result.output[result.output.index("{"):])
    return out


def _tool(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "verify_proof.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def test_standalone_verifier_checks_a_proof(app, court, tmp_path):
    from app.models import TranscriptVersion
    from app.services import checkpoints, storage
    version = court.session.scalars(select(TranscriptVersion).order_by(TranscriptVersion.id)).first()
    pdf = tmp_path / "transcript.pdf"
    pdf.write_bytes(storage.read_bytes(version.file))
    proof_path = _prove(app, f"file:{version.file_id}", tmp_path)
    key = checkpoints.verifier_key()
    ok = _tool(proof_path, "--key", key, "--file", pdf)
    assert ok.returncode == 0 and "matches the file" in ok.stdout, ok.stdout + ok.stderr

    other = tmp_path / "other.pdf"
    other.write_bytes(pdf.read_bytes() + b"\n")
    assert "FAIL: the file's SHA-256" in _tool(proof_path, "--key", key, "--file", other).stdout

    proof = json.loads(proof_path.read_text())
    probes = {
        "wrong index": dict(proof, index=proof["index"] + 1),
        "wrong tree size": dict(proof, tree_size=proof["tree_size"] + 1),
        "flipped bit in the path": dict(proof, inclusion_path=[("0" if p[0] != "0" else "1") + p[1:]
                                                               for p in proof["inclusion_path"]]),
        "truncated path": dict(proof, inclusion_path=proof["inclusion_path"][:-1]),
        "edited entry": dict(proof, entry=proof["entry"].replace('"sha256":"', '"sha256":"0')),
        "forged checkpoint": dict(proof, checkpoint=proof["checkpoint"].replace("\n", "\n", 1)
                                  .replace(proof["checkpoint"].split("\n")[1], str(proof["tree_size"] + 5), 1)),
    }
    for name, bad in probes.items():
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        out = _tool(path, "--key", key)
        assert out.returncode == 1 and out.stdout.startswith("FAIL"), (name, out.stdout)
    other_key = "someone/else+00000000+" + "AQ" + "A" * 42 + "="
    assert _tool(proof_path, "--key", other_key).returncode == 1


def test_proof_for_a_record_not_yet_checkpointed_signs_one(app, court, tmp_path):
    from app.models import Case
    from app.services.events import record_event
    case = court.session.scalars(select(Case).order_by(Case.id)).first()
    event = record_event(case, None, "note", text="新的记录")
    court.session.commit()
    proof_path = _prove(app, f"event:{event.id}", tmp_path)
    assert _tool(proof_path).returncode == 0
