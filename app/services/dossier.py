"""The electronic dossier (电子卷宗): every stored file of a case, checked against its hash at receipt."""
from sqlalchemy import select

from app.extensions import db
from app.models.document import StoredFile
from app.services import storage


def verify_files(case_id):
    """Problems with the files filed in a case, as English sentences (empty when intact)."""
    problems = []
    for f in db.session.scalars(select(StoredFile).where(StoredFile.case_id == case_id).order_by(StoredFile.id)):
        try:
            actual = storage.file_sha256(f)
        except FileNotFoundError:
            problems.append(f"file {f.id} ({f.original_name}) is missing from the store")
            continue
        if actual != f.sha256:
            problems.append(f"file {f.id} ({f.original_name}) was changed after receipt")
    return problems


def find_by_code(code):
    """The court document a printed verification code belongs to, for the public /verify page:
    {title, case_number, issued_at, sha256} and nothing personal; None when no document has it."""
    from app.models.filing import AcceptanceNotice
    from app.models.mediation import MediationAgreement
    from app.models.service import ServiceOfDocument
    from app.models.transcript import TranscriptVersion
    code = (code or "").strip().upper()
    if not code or len(code) > 24:
        return None
    found = db.session.scalar(select(AcceptanceNotice).where(AcceptanceNotice.verification_code == code))
    if found:
        return dict(title="受理通知书", case_number=found.case.case_number, issued_at=found.created_at,
                    sha256=found.stored.sha256)
    found = db.session.scalar(select(TranscriptVersion).where(TranscriptVersion.verification_code == code)
                              .order_by(TranscriptVersion.id.desc()).limit(1))
    if found:
        title = "笔录" if found.kind == "draft" else "笔录（已签名）"
        return dict(title=title, case_number=found.transcript.case.case_number, issued_at=found.created_at,
                    sha256=found.file.sha256)
    found = db.session.scalar(select(MediationAgreement).where(MediationAgreement.verification_code == code))
    if found and found.file:
        return dict(title="调解协议", case_number=found.case.case_number, issued_at=found.signed_at,
                    sha256=found.file.sha256)
    found = db.session.scalar(select(ServiceOfDocument).where(ServiceOfDocument.certificate_code == code))
    if found and found.certificate:
        return dict(title="送达回证", case_number=found.case.case_number, issued_at=found.effective_at,
                    sha256=found.certificate.sha256)
    return _find_case_document(code)


def _find_case_document(code):
    """Court documents (判决书, 裁定书, 调解书) and payment notices (交费通知书) by their printed codes."""
    from app.models.court_document import CourtDocument
    from app.models.fees import CourtFee
    found = db.session.scalar(select(CourtDocument).where(CourtDocument.verification_code == code))
    if found and found.file:
        return dict(title=found.title, case_number=found.case.case_number, issued_at=found.issued_at,
                    sha256=found.file.sha256)
    found = db.session.scalar(select(CourtFee).where(CourtFee.notice_code == code))
    if found and found.notice_file:
        return dict(title="交费通知书", case_number=found.case.case_number, issued_at=found.created_at,
                    sha256=found.notice_file.sha256)
    return None
