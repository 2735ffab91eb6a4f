"""The electronic dossier (电子卷宗): every stored file of a case, checked against its hash at receipt."""
from sqlalchemy import select

from app.extensions import db
from app.models.document import StoredFile
from app.services import filing, storage


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
    {title, case_number, issued_at, sha256, issued} and nothing personal; None when no document has
    it. `issued` is False for a draft transcript: it exists, but it is not an issued document.
    Spaces and dashes typed between groups are ignored (older codes were printed XXXX-XXXX)."""
    import re
    from app.models.filing import AcceptanceNotice
    from app.models.mediation import MediationAgreement
    from app.models.service import ServiceOfDocument
    from app.models.transcript import TranscriptVersion
    code = (code or "").strip().upper()
    if not code or len(code) > 40:
        return None
    bare = re.sub(r"[\s\-]", "", code)
    forms = {code, bare} | ({f"{bare[:4]}-{bare[4:]}"} if len(bare) == 8 else set())
    found = db.session.scalar(select(AcceptanceNotice).where(AcceptanceNotice.verification_code.in_(forms)))
    if found:
        return dict(title=filing.ACCEPTANCE_NOTICE_TITLE, case_number=found.case.case_number, issued_at=found.created_at,
                    sha256=found.stored.sha256, issued=True)
    found = db.session.scalar(select(TranscriptVersion).where(TranscriptVersion.verification_code.in_(forms))
                              .order_by(TranscriptVersion.id.desc()).limit(1))
    if found:
        draft = found.kind == "draft"
        return dict(title="笔录（草稿）" if draft else "笔录（已签名）", case_number=found.transcript.case.number,
                    issued_at=found.created_at, sha256=found.file.sha256, issued=not draft)
    found = db.session.scalar(select(MediationAgreement).where(MediationAgreement.verification_code.in_(forms)))
    if found and found.file:
        return dict(title="调解协议", case_number=found.case.case_number, issued_at=found.signed_at,
                    sha256=found.file.sha256, issued=True)
    found = db.session.scalar(select(ServiceOfDocument).where(ServiceOfDocument.certificate_code.in_(forms)))
    if found and found.certificate:
        return dict(title="送达凭证", case_number=found.case.case_number, issued_at=found.effective_at,
                    sha256=found.certificate.sha256, issued=True)
    return None
