"""PAdES signatures on court PDFs: valid and trusted under the court CA, broken by any changed byte."""
import io

import pytest


def _validate(data, app):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko.keys import load_cert_from_pemder
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    [sig] = reader.embedded_signatures
    ca = load_cert_from_pemder(app.config["PDF_SIGNING_CA_CERT"])
    # pyHanko's sync API starts an asyncio loop; the browser tests' Playwright keeps one running in
    # this thread for the rest of the session, so validate the way the app does, off that loop.
    from app.services.pdf_signing import outside_event_loop
    return outside_event_loop(lambda: validate_pdf_signature(sig, ValidationContext(trust_roots=[ca])))


def test_signed_court_pdf_validates_and_a_changed_byte_breaks_it(app, db):
    from app.services import pdf
    from tests.services.test_pdf import notice_data
    unsigned = pdf.render_acceptance_notice(notice_data())
    signed = pdf.sign_pdf(unsigned)
    assert signed.startswith(unsigned)  # an incremental update: the rendered bytes are kept as they were
    status = _validate(signed, app)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.md_algorithm == "sha256"
    from pyhanko.pdf_utils.reader import PdfFileReader
    sig = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline
    at = len(unsigned) // 2  # inside the signed byte range
    flipped = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]
    assert not _validate(flipped, app).intact


def test_another_ca_does_not_vouch_for_the_court(app, db, tmp_path):
    from app.services import pdf
    from app.services.pdf_signing import make_throwaway_ca
    from tests.services.test_pdf import notice_data
    signed = pdf.sign_pdf(pdf.render_acceptance_notice(notice_data()))
    make_throwaway_ca(tmp_path / "k.pem", tmp_path / "c.pem", tmp_path / "ca.pem")

    class Other:
        config = {"PDF_SIGNING_CA_CERT": str(tmp_path / "ca.pem")}
    status = _validate(signed, Other)
    assert status.intact and not status.trusted


def test_issued_acceptance_notice_is_signed(app, db):
    """The document the job files is the signed one."""
    from app import demo
    from app.models import AcceptanceNotice
    from app.services import storage
    from sqlalchemy import select
    demo.seed(None)
    db.session.commit()
    notice = db.session.scalars(select(AcceptanceNotice)).first()
    status = _validate(storage.read_bytes(notice.stored), app)
    assert status.intact and status.valid and status.trusted


def test_missing_key_outside_demo_is_an_error(app, tmp_path):
    from app.services.pdf_signing import sign_pdf
    with app.app_context():
        old = dict(app.config)
        app.config.update(PDF_SIGNING_KEY=str(tmp_path / "none.pem"), PDF_SIGNING_CREATE=False)
        try:
            with pytest.raises(RuntimeError, match="PDF signing key"):
                sign_pdf(b"%PDF-1.4")
        finally:
            app.config.clear()
            app.config.update(old)
