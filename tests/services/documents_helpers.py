"""Shared helpers for the documents tests (transcripts, mediation, signatures, service)."""
import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw



def drawn_png(size=(300, 120), ink=True):
    """What a canvas gives: dark strokes on a transparent background."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(img).line([(10, 90), (80, 20), (150, 100), (290, 30)], fill=(0, 0, 0, 255), width=6)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def paper_photo(size=(1600, 1200), ink=True, fmt="JPEG", exif_rotate=False):
    """A phone photo of a signature on greyish paper."""
    img = Image.new("RGB", size, (205, 200, 190))
    if ink:
        d = ImageDraw.Draw(img)
        d.line([(300, 700), (600, 400), (900, 800), (1300, 450)], fill=(30, 30, 60), width=14)
    buf = io.BytesIO()
    if exif_rotate:
        exif = Image.Exif()
        exif[0x0112] = 6  # rotate 90° when shown
        img.save(buf, fmt, exif=exif)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def face_session(user, fresh=True):
    from app.extensions import db
    from app.services.auth import start_session
    from app.models import utcnow
    from datetime import timedelta
    row, _raw = start_session(user, "link", face_verified=True)
    if not fresh:
        row.face_verified_until = utcnow() - timedelta(minutes=1)
    db.session.flush()
    return row


def record_hearing(case, judge, people, messages=(), close=True, rendered=True, purpose="evidence_exchange",
                   title="证据交换"):
    """Hold a real hearing (庭审/证据交换) through the hearing services, the way the room does: the judge
    opens it, each party consents and is admitted (as after the room's face check), messages are posted, the judge
    closes it (the transcript draft is then rendered after the caller's commit).
    `people` is [(user, role)], `messages` is [(user, role, text)]. With rendered=False the draft job is
    left unrun, as when the documents worker has not reached it yet. Returns the Hearing."""
    from app.extensions import db
    from app.services import hearings
    case.judge_id = judge.id
    db.session.flush()
    hearing = hearings.open_hearing(case, judge, purpose=purpose, title=title)
    for user, _role in people:
        hearings.give_consent(hearing, user, True)
        hearings.admit(hearing, user, None, method="face")
    for user, _role, text in messages:
        hearings.post_message(hearing, user, text)
    if close:
        hearings.close_hearing(hearing, judge)
        if not rendered:
            pending = db.session.info.get("pending_jobs", [])
            pending[:] = [j for j in pending if j["func"] != "jobs.documents.render_transcript_draft"]
    db.session.flush()
    return hearing


def pdftotext(data, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed (poppler-utils)")
    f = tmp_path / "doc.pdf"
    f.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(f), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8").replace("\n", "")
