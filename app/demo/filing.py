"""Demo filing data: documents (small PDFs and PNGs made here), versions and a correction request.

Called from app.demo.seed(); adds to a demo case only when it has no documents yet (idempotent).
"""
import io
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import utcnow
from app.models.filing import CorrectionItem, CorrectionRequest, FilingAttachment, FilingVersion
from app.services import court_time, events, filing, storage


def tiny_pdf(text):
    """A one-page PDF with an ASCII line: enough for a browser to open."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for n, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def tiny_png(label):
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (240, 160), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((8, 8, 231, 151), outline=(120, 120, 120))
    draw.text((20, 70), label, fill=(20, 20, 20))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


DOCS = {  # role -> (file name, maker)
    "complaint": ("起诉状.pdf", lambda: tiny_pdf("Complaint")),
    "application": ("强制执行申请书.pdf", lambda: tiny_pdf("Application for enforcement")),
    "id_document": ("身份证.png", lambda: tiny_png("ID card (demo)")),
    "evidence_list": ("证据目录.pdf", lambda: tiny_pdf("List of evidence")),
    "evidence": ("送货单.png", lambda: tiny_png("Delivery note (demo)")),
}


def _attach(case, actor, role):
    name, make = DOCS[role]
    data = make()
    stored = storage.save_bytes(data, name=name, content_type="application/pdf" if name.endswith(".pdf")
                                else "image/png", actor=actor, case=case)
    db.session.add(FilingAttachment(case_id=case.id, role=role, stored_file_id=stored.id, added_by_id=actor.id))


def seed_filings(cases, clerk):
    for case in cases:
        if case.case_number:  # accepted demo cases have their notice in the dossier, as after a real acceptance
            filing.make_acceptance_notice(case.id, notify=False)
        if db.session.scalar(select(FilingAttachment.id).where(FilingAttachment.case_id == case.id).limit(1)):
            continue
        actor = case.filed_by
        roles = ["application" if case.kind == "enforcement" else "complaint", "id_document", "evidence_list",
                 "evidence"]
        if case.state == "draft":
            roles = roles[:2]
        for role in roles:
            _attach(case, actor, role)
        if case.kind == "enforcement":  # the lawyer still owes the power of attorney: it comes by post
            db.session.add(FilingAttachment(case_id=case.id, role="power_of_attorney", pending_by_post=True,
                                            note="原件邮寄", added_by_id=actor.id))
        db.session.flush()
        if case.state == "draft":
            continue
        version = FilingVersion(case_id=case.id, number=1, snapshot=filing.snapshot(case), created_by_id=actor.id,
                                created_at=case.submitted_at or utcnow())
        db.session.add(version)
        db.session.flush()
        if case.state == "submitted":
            case.registration_due_on = court_time.today(case.submitted_at) + timedelta(days=7)
        elif case.state == "rejected":
            case.rejected_reason = "不属于本院管辖，请向被告住所地人民法院起诉。"
            case.decided_at, case.decided_by_id = utcnow() - timedelta(days=1), clerk.id
        elif case.state == "needs_correction":
            application = next(a for a in filing.current_attachments(case) if a.role == "application")
            req = CorrectionRequest(case_id=case.id, version_id=version.id, requested_by_id=clerk.id,
                                    deadline=court_time.end_of_day(court_time.today() + timedelta(days=3)),
                                    note="请按以下各项一次性补正。")
            req.items = [
                CorrectionItem(position=1, kind="replace_file", target=f"attachment:{application.id}",
                               note="申请书未写明执行标的金额，请补充后重新上传。"),
                CorrectionItem(position=2, kind="add_file", target="role:evidence",
                               note="请上传生效法律文书（判决书或调解书）及生效证明。"),
                CorrectionItem(position=3, kind="edit_field", target="field:claims",
                               note="请明确申请执行的具体金额及利息计算方式。"),
            ]
            db.session.add(req)
            db.session.flush()
            events.correction_requested(case, clerk, req)
    db.session.flush()
