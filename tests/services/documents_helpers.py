"""Shared helpers for the documents tests (transcripts, mediation, signatures, service)."""
import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw

from app.services.events import record_event


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


def record_hearing(case, judge, people, hearing_id=7, messages=(), close=True, purpose="evidence_exchange"):
    """Record a hearing as the hearing room does: opened, participants, verification, messages, closed.
    `people` is [(user, role)], `messages` is [(user, role, text)]."""
    record_event(case, judge, "hearing_opened", hearing_id=hearing_id, purpose=purpose, mode="async",
                 title="证据交换")
    record_event(case, judge, "participant_added", hearing_id=hearing_id, user_id=judge.id, name=judge.name,
                 role="judge")
    for user, role in people:
        record_event(case, judge, "participant_added", hearing_id=hearing_id, user_id=user.id, name=user.name,
                     role=role)
        record_event(case, user, "identity_verified", hearing_id=hearing_id, user_id=user.id, name=user.name,
                     method="face", distance=0.41)
    for i, (user, role, text) in enumerate(messages, 1):
        record_event(case, user, "message_posted", hearing_id=hearing_id, message_id=i, author_id=user.id,
                     author_name=user.name, author_role=role, text=text, reply_to_message_id=None,
                     evidence_ids=[], exhibits=[])
    if close:
        record_event(case, judge, "hearing_closed", hearing_id=hearing_id)


def pdftotext(data, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed (poppler-utils)")
    f = tmp_path / "doc.pdf"
    f.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(f), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8").replace("\n", "")
