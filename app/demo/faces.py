"""Demo reference photos (人脸比对底图) for the demo litigants, from a folder such as ../shared/faces."""
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services.identity import active_reference, audit, enroll_reference


def enroll_demo_faces(faces_dir, prefixes):
    """Give each demo user (by phone) `<prefix>_1.jpg` as an active reference. Idempotent."""
    done = 0
    for phone, prefix in prefixes.items():
        user = db.session.scalar(select(User).where(User.phone == phone))
        path = Path(faces_dir) / f"{prefix}_1.jpg"
        if user is None or active_reference(user) is not None:
            continue
        if not path.is_file():
            audit.warning("demo face %s missing", path)
            continue
        enroll_reference(user, path.read_bytes(), "court_enrolment", None, note="demo")
        done += 1
    return done
