"""Security counters change atomically in the database (one UPDATE … SET n = n + 1 … RETURNING)."""
import threading

import pytest
from sqlalchemy import select

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
