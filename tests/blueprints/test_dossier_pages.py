"""The dossier pages: parties and the court see entries, proofs and ZIPs; outsiders see nothing;
the public check finds an exact document and nothing else."""
import io
import json
import zipfile

import pytest
from sqlalchemy import select


@pytest.fixture
def filed(db, make_case, make_user):
    from app.services import dossier, storage
    from app.services.events import record_event
    defendant = make_user("litigant")
    case = make_case(defendant=defendant)
    stored = storage.save_bytes(b"%PDF-1.4 the court's notice", name="受理通知书.pdf",
                                content_type="application/pdf", case=case)
    record_event(case, None, "note", text="立案")
    db.session.commit()
    dossier.sign_checkpoints()
    db.session.commit()
    return case, stored, defendant


def _check_proof(proof, expected_sha):
    from app.services import checkpoints, merkle
    origin, size, root = checkpoints.verify(proof["checkpoint"], proof["verifier_key"])
    leaf = merkle.leaf_hash(proof["entry"].encode())
    merkle.verify_inclusion(leaf, proof["index"], size, [bytes.fromhex(p) for p in proof["inclusion_path"]], root)
    assert json.loads(proof["entry"])["sha256"] == expected_sha


def test_party_sees_entries_and_downloads_a_document_with_its_proof(client, auth, db, filed):
    from app.services import dossier
    case, stored, defendant = filed
    auth.login(defendant)
    page = client.get(f"/cases/{case.id}/dossier")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert stored.sha256 in html and "受理通知书.pdf" in html
    leaf = dossier.leaf_for("file", stored.id)
    resp = client.get(f"/cases/{case.id}/dossier/entries/{leaf.id}.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(resp.data))
    names = z.namelist()
    assert "proof.json" in names and "verify_proof.py" in names and "README.txt" in names
    [doc] = [n for n in names if n.startswith("files/")]
    assert z.read(doc) == b"%PDF-1.4 the court's notice"
    _check_proof(json.loads(z.read("proof.json")), stored.sha256)
    printable = client.get(f"/cases/{case.id}/dossier/print").get_data(as_text=True)
    assert stored.sha256 in printable


def test_whole_case_zip_has_a_manifest_and_a_proof_of_every_entry(client, auth, db, filed):
    from app.services import dossier
    case, stored, _d = filed
    auth.login(case.filed_by)
    z = zipfile.ZipFile(io.BytesIO(client.get(f"/cases/{case.id}/dossier.zip").data))
    manifest = json.loads(z.read("manifest.json"))
    leaves = dossier.case_leaves(case.id)
    assert len(manifest["entries"]) == len(leaves) >= 3  # case number, file, event
    for item in manifest["entries"]:
        _check_proof(json.loads(z.read(item["proof"])), item["sha256"])
    [f] = [i for i in manifest["entries"] if i["file"]]
    assert z.read(f["file"]) == b"%PDF-1.4 the court's notice"


def test_outsider_and_other_court_see_nothing(client, auth, db, filed, make_user):
    from app.services import dossier
    case, stored, _d = filed
    leaf = dossier.leaf_for("file", stored.id)
    urls = [f"/cases/{case.id}/dossier", f"/cases/{case.id}/dossier/print", f"/cases/{case.id}/dossier.zip",
            f"/cases/{case.id}/dossier/entries/{leaf.id}.zip", f"/cases/{case.id}/dossier/entries/{leaf.id}/proof.json"]
    for who in (make_user("litigant"), make_user("judge")):
        auth.login(who)
        for url in urls:
            assert client.get(url).status_code == 404, (who.role, url)
        auth.logout()
    for url in urls:
        assert client.get(url).status_code in (302, 404)


def test_entry_of_another_case_is_not_served_through_mine(client, auth, db, filed, make_case):
    from app.services import dossier
    case, stored, _d = filed
    mine = make_case(filer=case.filed_by)
    leaf = dossier.leaf_for("file", stored.id)
    auth.login(case.filed_by)
    assert client.get(f"/cases/{mine.id}/dossier/entries/{leaf.id}.zip").status_code == 404


def test_public_check_finds_the_exact_document_and_its_checkpoint(client, db, filed):
    case, stored, _d = filed
    page = client.post("/dossier/verify", data={"file": (io.BytesIO(b"%PDF-1.4 the court's notice"), "n.pdf")},
                       content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"court-{case.court_id}#" in html and stored.sha256 in html
    assert case.case_number not in html and case.filed_by.name not in html  # nothing personal
    changed = client.post("/dossier/verify", data={"file": (io.BytesIO(b"%PDF-1.4 the court's notic3"), "n.pdf")},
                          content_type="multipart/form-data")
    assert changed.status_code == 200 and f"court-{case.court_id}#" not in changed.get_data(as_text=True)
    assert client.post("/dossier/verify", data={}, content_type="multipart/form-data").status_code == 400
    no_csrf = client.post("/dossier/verify", csrf=False, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"%PDF-1.4 the court's notice"), "n.pdf")})
    assert no_csrf.status_code == 400


def test_public_checkpoint_and_key(client, db, filed):
    from app.services import checkpoints
    case, _s, _d = filed
    note = client.get("/dossier/checkpoint")
    assert note.status_code == 200 and note.mimetype == "text/plain"
    key = client.get("/dossier/key").get_data(as_text=True).strip()
    origin, size, _root = checkpoints.verify(note.get_data(as_text=True), key)
    assert origin.endswith(f"/dossier/court-{case.court_id}") and size >= 3
    assert client.get("/dossier/checkpoint/court-999").status_code == 404


def test_consistency_proof_between_two_signed_heads(client, db, filed):
    from app.services import checkpoints, dossier, merkle
    from app.services.events import record_event
    case, _s, _d = filed
    log = f"court-{case.court_id}"
    old = checkpoints.verify(client.get(f"/dossier/checkpoint/{log}").get_data(as_text=True))
    record_event(case, None, "note", text="后来的记录")
    db.session.commit()
    dossier.sign_checkpoints()
    db.session.commit()
    new = checkpoints.verify(client.get(f"/dossier/checkpoint/{log}").get_data(as_text=True))
    proof = client.get(f"/dossier/consistency/{log}/{old[1]}/{new[1]}").get_json()["proof"]
    merkle.verify_consistency(old[1], new[1], old[2], new[2], [bytes.fromhex(p) for p in proof])
    assert client.get(f"/dossier/consistency/{log}/{new[1]}/{new[1] + 1}").status_code == 400
    assert client.get(f"/dossier/consistency/{log}/3/2").status_code == 400
    assert client.get("/dossier/consistency/court-999/0/1").status_code == 404


def test_public_check_reports_the_court_signature_of_a_pdf(client, db, make_case):
    from app.services import pdf, storage
    from tests.services.test_pdf import notice_data
    case = make_case()
    signed = pdf.sign_pdf(pdf.render_acceptance_notice(notice_data()))
    storage.save_bytes(signed, name="受理通知书.pdf", content_type="application/pdf", case=case)
    db.session.commit()

    def check(data):
        return client.post("/dossier/verify", data={"file": (io.BytesIO(data), "n.pdf")},
                           content_type="multipart/form-data").get_data(as_text=True)
    client.set_cookie("lang", "en")
    good = check(signed)
    assert "digital signature on this PDF is valid" in good and "This exact document is in the court's dossier" in good
    at = len(signed) // 3
    broken = check(signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1:])
    assert "signature is broken" in broken and "is not in the court's dossier" in broken
    assert "digital signature" not in check(b"%PDF-1.4 unsigned")
