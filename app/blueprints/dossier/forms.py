from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField


class CheckDocumentForm(FlaskForm):
    """The public check: is this PDF (or any file) in a court's dossier?"""
    file = FileField(_l("The document (PDF or any file you received from the court)"))
