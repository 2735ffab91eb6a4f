"""Court administration by the court's administrator (法院管理员): the court's name, its code (the
case-number prefix, e.g. 沪0101), ID-card self-enrolment, and its judges and clerks. Every change is
an `AdminChange` row (who, when, what, from what, to what)."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Court, User
from app.models.workbench import AdminChange
from app.services.errors import DomainError, N_, NotAllowed

STAFF_ROLES = ("judge", "clerk")
MIN_PASSWORD = 10
CODE_RE = re.compile(r"^[\u4e00-\u9fff]{1,4}\d{1,6}$")  # a province character or two and digits: 沪0101
USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")


class NameTaken(DomainError):
    message = N_("Another court already has this name or code.")


class BadCode(DomainError):
    message = N_("A court code is one to four Chinese characters and digits, e.g. 沪0101.")


class UsernameTaken(DomainError):
    message = N_("This username is taken.")


class BadStaff(DomainError):
    message = N_("Give a name, a username of 3–64 lower-case letters, digits, dots or dashes, and a password of at least %(n)s characters.")


def _must_admin(court, actor):
    if not court.is_staff(actor, roles=("admin",)):
        raise NotAllowed()


def _audit(court, actor, target, field, old, new):
    db.session.add(AdminChange(court_id=court.id, actor_id=actor.id, target=target, field=field,
                               old=None if old is None else str(old), new=None if new is None else str(new)))


def _lock(court):
    return db.session.scalar(sa.select(Court).where(Court.id == court.id).with_for_update()
                             .execution_options(populate_existing=True))


def update_court(court, actor, *, name, code, id_card_enrolment):
    """Change the court's settings; each changed field is audited. Returns the fields changed."""
    _must_admin(court, actor)
    court = _lock(court)
    name, code = (name or "").strip()[:100], (code or "").strip()
    if not name:
        raise DomainError(N_("Give the court's name."))
    if not CODE_RE.match(code):
        raise BadCode()
    clash = db.session.scalar(sa.select(Court.id).where(Court.id != court.id,
                                                        sa.or_(Court.name == name, Court.code == code)))
    if clash is not None:
        raise NameTaken()
    changed = []
    for field, new in (("name", name), ("code", code), ("id_card_enrolment", bool(id_card_enrolment))):
        old = getattr(court, field)
        if old != new:
            _audit(court, actor, "court", field, old, new)
            setattr(court, field, new)
            changed.append(field)
    db.session.flush()
    return changed


def add_staff(court, actor, *, role, name, username, password):
    """A judge or clerk account of this court, signing in with username and password."""
    _must_admin(court, actor)
    name, username = (name or "").strip()[:100], (username or "").strip().lower()
    if role not in STAFF_ROLES or not name or not USERNAME_RE.match(username) or len(password or "") < MIN_PASSWORD:
        raise BadStaff(n=MIN_PASSWORD)
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise UsernameTaken()
    user = User(role=role, name=name, username=username, court_id=court.id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    _audit(court, actor, f"user:{user.id}", "created", None, f"{role} {name} ({username})")
    return user


def set_active(court, actor, user, active):
    """Let a judge or clerk of this court sign in, or stop them (their sessions end at once)."""
    from app.models import UserSession
    from app.models.base import utcnow
    _must_admin(court, actor)
    if user.court_id != court.id or user.role not in STAFF_ROLES:
        raise NotAllowed()
    if user.active != bool(active):
        _audit(court, actor, f"user:{user.id}", "active", user.active, bool(active))
        user.active = bool(active)
        if not active:
            db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id,
                                                            UserSession.revoked_at.is_(None))
                               .values(revoked_at=utcnow()))
    db.session.flush()


def staff(court):
    return db.session.scalars(sa.select(User).where(User.court_id == court.id, User.role.in_(STAFF_ROLES))
                              .order_by(User.role, User.name)).all()


def changes(court, limit=100):
    return db.session.scalars(sa.select(AdminChange).where(AdminChange.court_id == court.id)
                              .order_by(AdminChange.id.desc()).limit(limit)).all()
