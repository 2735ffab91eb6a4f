"""Courts (法院): each has a code used in case numbers, e.g. 沪0101. Who counts as staff of a court
is answered here, once (`Court.is_staff`)."""
import sqlalchemy as sa

from app.extensions import db

# Court staff who conduct hearings and sign court records (审判人员、书记员); admins only administer.
HEARING_STAFF = ("judge", "clerk")


def _signed_in(user):
    return user is not None and getattr(user, "is_authenticated", False)


class Court(db.Model):
    __tablename__ = "courts"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False, unique=True)
    code = db.Column(db.String(16), nullable=False, unique=True)  # e.g. 沪0101
    # Court setting: people may enrol their reference face themselves from their resident ID card
    # (居民身份证) and a live selfie, without waiting for a clerk (app/services/identity.py).
    id_card_enrolment = db.Column(db.Boolean, nullable=False, default=False, server_default=sa.false())

    def is_staff(self, user, roles=None):
        """Staff of this court (法院工作人员): a judge, clerk or admin account attached to it.
        `roles` narrows the answer, e.g. `HEARING_STAFF` for those who run hearings."""
        return bool(_signed_in(user) and user.is_staff and user.court_id == self.id
                    and (roles is None or user.role in roles))

    def people(self):
        """A SELECT of the ids of the people in this court's cases: filers, parties, their lawyers, and
        the people invited to or named in a case who have not joined yet."""
        from app.models.case import Case, CaseParty
        from app.models.user import User
        return sa.union(
            sa.select(Case.filed_by_id).where(Case.court_id == self.id),
            sa.select(CaseParty.user_id).join(Case).where(Case.court_id == self.id, CaseParty.user_id.is_not(None)),
            sa.select(CaseParty.lawyer_id).join(Case).where(Case.court_id == self.id, CaseParty.lawyer_id.is_not(None)),
            # invited or named as a party, not joined yet: their account carries the party's mobile number
            sa.select(User.id).join(CaseParty, CaseParty.phone == User.phone).join(Case, Case.id == CaseParty.case_id)
            .where(Case.court_id == self.id, CaseParty.user_id.is_(None), User.phone.is_not(None)),
        )

    def has_person(self, user_id):
        """Whether someone files, is a party or represents a party in one of this court's cases."""
        return user_id is not None and user_id in db.session.scalars(self.people()).all()

    def __repr__(self):
        return f"<Court {self.code}>"
