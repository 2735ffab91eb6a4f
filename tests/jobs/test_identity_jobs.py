"""The reference-photo purge job: deletes photos past retention, safe to run twice."""
from datetime import timedelta

from app.models import utcnow
from app.services import identity, storage
from tests.conftest import FACES_DIR


def test_purge_job_deletes_expired_reference_photos_once(db, make_user, make_court, make_case):
    from jobs.identity import purge_expired_reference_images
    court = make_court()
    clerk, person = make_user("clerk", court=court), make_user("litigant")
    make_case(court=court, filer=person)
    ref = identity.enroll_reference(person, (FACES_DIR / "obama_1.jpg").read_bytes(), "clerk_upload", clerk)
    path = storage.path_of(ref.image)
    db.session.commit()
    assert purge_expired_reference_images() == 0 and path.exists()
    ref.purge_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert purge_expired_reference_images() == 1
    assert purge_expired_reference_images() == 0
    db.session.expire_all()
    assert not path.exists() and ref.image_id is None and identity.active_reference(person).id == ref.id
