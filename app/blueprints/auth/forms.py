from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class StaffLoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username.")), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)])


class PhoneForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(_l("Enter your mobile number.")), Length(max=20)])


class CodeForm(FlaskForm):
    phone = HiddenField()
    code = StringField(_l("6-digit code"), validators=[
        DataRequired(_l("Enter the code from the SMS.")),
        Regexp(r"^\s*\d{6}\s*$", message=_l("The code has 6 digits."))])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirm step of a link or a sign-out."""
