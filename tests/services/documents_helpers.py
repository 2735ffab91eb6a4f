"""Shared helpers for the documents tests (transcripts, mediation, signatures, service)."""
import io
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw

from app.services import events


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
    events.hearing_opened(case, judge, hearing_id, purpose=purpose, mode="async", title="证据交换")
    events.participant_added(case, judge, hearing_id, judge, "judge")
    for user, role in people:
        events.participant_added(case, judge, hearing_id, user, role)
        events.identity_verified(case, user, hearing_id, method="face", distance=0.41)
    for i, (user, role, text) in enumerate(messages, 1):
        events.message_posted(case, user, hearing_id, message_id=i, role=role, text=text)
    if close:
        events.hearing_closed(case, judge, hearing_id)


def pdftotext(data, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed (poppler-utils)")
    f = tmp_path / "doc.pdf"
    f.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(f), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8").replace("\n", "")
