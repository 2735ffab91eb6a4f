"""Dossier log jobs (queue: default): sign a checkpoint of every log that grew."""
from jobs import job_context


def sign_checkpoints():
    """Periodic: sign the tree head of each court's dossier log (Ed25519, C2SP signed note).
    Safe to run twice: a log that did not grow gets no new checkpoint."""
    from app.extensions import db
    from app.services import dossier
    with job_context():
        made = dossier.sign_checkpoints()
        db.session.commit()
        return [(cp.log, cp.size) for cp in made]
