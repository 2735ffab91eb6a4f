from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from app.idempotent import IdempotentForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

KIND_CHOICES = [("notice", _l("Notice")), ("summons", _l("Summons")), ("agreement", _l("Mediation agreement")),
                ("judgment", _l("Judgment")), ("transcript", _l("Transcript")), ("other", _l("Other document"))]
HOW_CHOICES = [("explicit", _l("Agreed explicitly")), ("in_advance", _l("Agreed in advance (e.g. in a contract)")),
               ("address_in_pleading", _l("Gave this address in a pleading"))]


class ConsentForm(FlaskForm):
    party = SelectField(_l("Party"), coerce=int)
    how = SelectField(_l("How consent was given"), choices=HOW_CHOICES)
    address = StringField(_l("Mobile number for service"), validators=[Optional(), Length(max=20)])


class ServeForm(IdempotentForm):
    party = SelectField(_l("Serve to"), coerce=int)
    kind = SelectField(_l("Kind of document"), choices=KIND_CHOICES)
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    file = SelectField(_l("A document already in the case file"), coerce=int)
    upload = FileField(_l("Or upload a PDF"))


class AckForm(FlaskForm):
    """Only the CSRF token."""


class AddressForm(FlaskForm):
    party = SelectField(_l("Party"), coerce=int)
    address = StringField(_l("Mobile number for service"), validators=[
        DataRequired(_l("Enter your mobile number.")), Length(max=20)])


class AddressCodeForm(FlaskForm):
    code = StringField(_l("6-digit code"), validators=[
        DataRequired(_l("Enter the code from the SMS.")),
        Regexp(r"^\s*\d{6}\s*$", message=_l("The code has 6 digits."))])


class InPersonForm(FlaskForm):
    note = StringField(_l("How the person and the number were checked"), validators=[
        DataRequired(_l("Write how the person and the number were checked (for example: ID card seen, number read back).")),
        Length(max=300)])
