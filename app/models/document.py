"""Stored files (文件): original bytes under a server-made name, with their SHA-256 at receipt."""
from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class StoredFile(db.Model):
    __tablename__ = "stored_files"
    id = db.Column(db.Integer, primary_key=True)
    storage_key = db.Column(db.String(80), nullable=False, unique=True)  # server-made, never the user's name
    original_name = db.Column(db.String(255), nullable=False)
    content_type = db.Column(db.String(100), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False, index=True)
    case_id = db.Column(db.ForeignKey("cases.id"), index=True)
    uploaded_by_id = db.Column(db.ForeignKey("users.id"))
    on_behalf_of_id = db.Column(db.ForeignKey("case_parties.id"))  # a clerk uploading for a party
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    uploaded_by = db.relationship("User")
