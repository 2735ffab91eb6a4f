from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

KIND_CHOICES = [("notice", _l("Notice")), ("summons", _l("Summons")), ("agreement", _l("Mediation agreement")),
                ("judgment", _l("Judgment")), ("transcript", _l("Transcript")), ("other", _l("Other document"))]
HOW_CHOICES = [("explicit", _l("Agreed explicitly")), ("in_advance", _l("Agreed in advance (e.g. in a contract)")),
               ("address_in_pleading", _l("Gave this address in a pleading"))]


class ConsentForm(FlaskForm):
    party = SelectField(_l("Party"), coerce=int)
    how = SelectField(_l("How consent was given"), choices=HOW_CHOICES)
    address = StringField(_l("Mobile number for service"), validators=[Optional(), Length(max=20)])


class ServeForm(FlaskForm):
    party = SelectField(_l("Serve to"), coerce=int)
    kind = SelectField(_l("Kind of document"), choices=KIND_CHOICES)
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    file = SelectField(_l("A document already in the case file"), coerce=int)
    upload = FileField(_l("Or upload a PDF"))


class AckForm(FlaskForm):
    """Only the CSRF token."""
