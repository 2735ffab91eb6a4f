"""The electronic dossier (电子卷宗): every stored file of a case, checked against its hash at receipt."""
from sqlalchemy import select

from app.extensions import db
from app.models.document import StoredFile
from app.services import storage


def verify_files(case_id):
    """Problems with the files filed in a case, as English sentences (empty when intact)."""
    problems = []
    for f in db.session.scalars(select(StoredFile).where(StoredFile.case_id == case_id).order_by(StoredFile.id)):
        try:
            actual = storage.file_sha256(f)
        except FileNotFoundError:
            problems.append(f"file {f.id} ({f.original_name}) is missing from the store")
            continue
        if actual != f.sha256:
            problems.append(f"file {f.id} ({f.original_name}) was changed after receipt")
    return problems
