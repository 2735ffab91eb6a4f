"""Courts (法院): each has a code used in case numbers, e.g. 沪0101."""
import sqlalchemy as sa

from app.extensions import db


class Court(db.Model):
    __tablename__ = "courts"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False, unique=True)
    code = db.Column(db.String(16), nullable=False, unique=True)  # e.g. 沪0101
    # Court setting: people may enrol their reference face themselves from their resident ID card
    # (居民身份证) and a live selfie, without waiting for a clerk (app/services/identity.py).
    id_card_enrolment = db.Column(db.Boolean, nullable=False, default=False, server_default=sa.false())

    def __repr__(self):
        return f"<Court {self.code}>"
