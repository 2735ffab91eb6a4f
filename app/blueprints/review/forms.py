from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class DecisionForm(FlaskForm):
    revision = HiddenField()


class RejectForm(DecisionForm):
    reasons = TextAreaField(_l("Reasons for not accepting"),
                            validators=[DataRequired(_l("Give the reasons for the decision.")), Length(max=5000)])


class CorrectionForm(DecisionForm):
    """The items come as `note-<target>` and `other-<n>` fields, one per row of the checklist."""
    days = IntegerField(_l("Days to correct"), validators=[
        DataRequired(_l("Enter the number of days.")), NumberRange(1, 90, _l("Between 1 and 90 days."))])
    note = TextAreaField(_l("General note (optional)"), validators=[Optional(), Length(max=2000)])


class ClerkUploadForm(FlaskForm):
    file = FileField(_l("Scanned document"))
