"""Security counters change atomically in the database (one UPDATE … SET n = n + 1 … RETURNING)."""
import threading

import pytest
from sqlalchemy import func, select

from app.models import LoginCode
from app.services import auth as auth_service
from app.services.errors import InvalidCode
from tests.record.race import race


def test_thirty_concurrent_wrong_guesses_get_at_most_five_tries(app, db, make_user, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL")
    user = make_user("litigant", phone="13900000077")
    auth_service.request_login_code(user.phone)
    db.session.commit()
    checked, lock, prefix, phone = [], threading.Lock(), f"{user.id}:", user.phone
    real = auth_service.token_hash

    def counting(value):  # the comparison with the stored code hashes the guess first
        if value.startswith(prefix):
            with lock:
                checked.append(value)
        return real(value)
    monkeypatch.setattr(auth_service, "token_hash", counting)

    def guess(i, barrier):
        barrier.wait()
        try:
            return auth_service.verify_login_code(phone, f"{i:06d}x")  # never the real code
        except InvalidCode as exc:
            db.session.commit()  # the route keeps the attempt count, as here
            return exc

    results = race(app, 30, guess)
    assert all(isinstance(r, InvalidCode) for r in results), results
    assert len(checked) <= auth_service.CODE_MAX_ATTEMPTS, len(checked)
    db.session.expire_all()
    assert db.session.scalar(select(LoginCode.attempts)) == auth_service.CODE_MAX_ATTEMPTS


def test_right_code_after_five_wrong_ones_is_refused(db, make_user):
    user = make_user("litigant", phone="13900000078")
    auth_service.request_login_code(user.phone)
    db.session.commit()
    for _ in range(auth_service.CODE_MAX_ATTEMPTS):
        with pytest.raises(InvalidCode):
            auth_service.verify_login_code(user.phone, "wrong!")
        db.session.commit()
    row = db.session.scalar(select(LoginCode))
    assert row.attempts == auth_service.CODE_MAX_ATTEMPTS


def test_parallel_face_checks_cannot_race_past_the_failure_wait(app, db, make_user, make_case, make_court,
                                                                monkeypatch):
    """Eight wrong faces sent at once from eight sessions: only the first few are looked at, then
    the wait applies to the rest, as if they had come one after another."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL")
    from app.models import FaceCheck, UserSession
    from app.services import identity
    from app.services.auth import start_session
    from tests.services.test_identity import photo
    monkeypatch.setitem(app.config, "FACE_LIVENESS_REQUIRED", False)
    monkeypatch.setitem(app.config, "FACE_FAILURES_BEFORE_DELAY", 3)
    court = make_court()
    clerk = make_user("clerk", court=court)
    person = make_user("litigant")
    make_case(court=court, filer=person)
    identity.enroll_reference(person, photo("obama_1"), "court_enrolment", clerk)
    checks = []
    for _ in range(8):
        row, _raw = start_session(person, "link")
        db.session.flush()
        checks.append((row.id, identity.start_check(person, row).id))
    db.session.commit()
    person_id, stranger = person.id, photo("biden_1")
    from app.models import User

    def attempt(i, barrier):
        who = db.session.get(User, person_id)
        session = db.session.get(UserSession, checks[i][0])
        barrier.wait()
        return identity.verify_selfie(who, session, stranger, None, check_id=checks[i][1]).outcome

    results = race(app, 8, attempt)
    looked_at = [r for r in results if r == "no_match"]
    refused = [r for r in results if isinstance(r, identity.TooManyFailures)]
    assert len(looked_at) == 3 and len(refused) == 5, results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FaceCheck).where(FaceCheck.outcome.isnot(None))) == 3


def test_thirty_parallel_password_guesses_get_at_most_five_checks(app, db, make_user):
    """The per-account lockout (`staff_password_login`, an atomic counter in `users`): thirty wrong
    passwords sent at once let at most five count as tries; the rest are refused as locked, and so
    is the right password until the lock runs out. (Every path hashes once, so "checked" here is a
    try whose password counted: one that answered None rather than AccountLocked.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL")
    from app.models import User
    judge = make_user("judge", password="s3cret-pass")
    db.session.commit()
    username, limit = judge.username, app.config["ACCOUNT_LOCKOUT_FAILURES"]
    assert limit == 5

    def guess(i, barrier):
        barrier.wait()
        return auth_service.staff_password_login(username, f"guess-{i}")

    results = race(app, 30, guess)
    checked = [r for r in results if r is None]
    locked = [r for r in results if isinstance(r, auth_service.AccountLocked)]
    assert len(checked) + len(locked) == 30, results
    assert 1 <= len(checked) <= limit, len(checked)
    db.session.expire_all()
    assert db.session.scalar(select(User.locked_until).where(User.id == judge.id)) is not None
    # and now even the right password waits for the lock to run out
    with pytest.raises(auth_service.AccountLocked):
        auth_service.staff_password_login(username, "s3cret-pass")


def test_a_right_password_clears_the_count(app, db, make_user):
    from app.models import User
    judge = make_user("judge", password="s3cret-pass")
    limit = app.config["ACCOUNT_LOCKOUT_FAILURES"]

    def failures():
        db.session.expire_all()
        return db.session.scalar(select(User.failed_sign_ins).where(User.id == judge.id))
    for _ in range(limit - 1):
        assert auth_service.staff_password_login(judge.username, "wrong") is None
    assert failures() == limit - 1
    assert auth_service.staff_password_login(judge.username, "s3cret-pass") is not None
    assert failures() == 0
    for _ in range(limit - 1):
        assert auth_service.staff_password_login(judge.username, "wrong") is None
    assert auth_service.staff_password_login(judge.username, "s3cret-pass") is not None
    # without the clearing, this many wrong ones in all would have locked the account
