"""Courts (法院): each has a code used in case numbers, e.g. 沪0101."""
from app.extensions import db


class Court(db.Model):
    __tablename__ = "courts"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False, unique=True)
    code = db.Column(db.String(16), nullable=False, unique=True)  # e.g. 沪0101

    def __repr__(self):
        return f"<Court {self.code}>"
