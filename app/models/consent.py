"""Consent (同意) to online litigation, per stage, and to electronic service (SPC Online Litigation Rules 2021)."""
import sqlalchemy as sa

from app.extensions import db
from app.models.base import UTCDateTime, utcnow

# Consent is per stage: agreeing to online evidence exchange is not agreeing to an online trial.
SCOPES = ("online_litigation", "e_service", "evidence_exchange", "talk", "mediation", "trial",
          "enforcement_talk", "async_trial")
HOW = ("explicit", "in_advance", "address_in_pleading", "clerk_recorded")


class Consent(db.Model):
    __tablename__ = "consents"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.ForeignKey("cases.id"), nullable=False, index=True)
    party_id = db.Column(db.ForeignKey("case_parties.id"), nullable=False, index=True)
    scope = db.Column(db.String(24), nullable=False)
    given = db.Column(db.Boolean, nullable=False)
    how = db.Column(db.String(24), nullable=False, default="explicit")
    address = db.Column(db.String(200))  # for e-service: the confirmed phone/e-mail
    actor_id = db.Column(db.ForeignKey("users.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    withdrawn_at = db.Column(UTCDateTime)

    party = db.relationship("CaseParty")

    __table_args__ = (sa.CheckConstraint(sa.column("scope").in_(SCOPES), name="scope"),
                      sa.CheckConstraint(sa.column("how").in_(HOW), name="how"))
