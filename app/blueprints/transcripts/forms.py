from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from app.idempotent import IdempotentForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length


class ConfirmForm(FlaskForm):
    """Confirming one exact version: the hash travels with the form, so a stale page signs nothing."""
    doc_hash = HiddenField(validators=[DataRequired()])
    agree = BooleanField(validators=[DataRequired(_l("Tick the box to confirm you have read this version."))])


class ObjectForm(FlaskForm):
    doc_hash = HiddenField(validators=[DataRequired()])
    comment = TextAreaField(_l("What is wrong in the transcript?"),
                            validators=[DataRequired(_l("Say what is wrong in the transcript.")), Length(max=4000)])


class AddendumForm(IdempotentForm):
    text = TextAreaField(_l("Correction (added to the record as an addendum)"),
                         validators=[DataRequired(_l("Write the correction.")), Length(max=4000)])
