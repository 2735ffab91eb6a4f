from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from app.idempotent import IdempotentForm
from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class TermsForm(IdempotentForm):
    amount = DecimalField(_l("Amount (yuan)"), places=2, validators=[
        DataRequired(_l("Enter the amount.")), NumberRange(min=0.01, message=_l("The amount must be positive."))])
    payer = SelectField(_l("Who pays"), coerce=int)
    payee = SelectField(_l("Who is paid"), coerce=int)
    schedule = StringField(_l("When and how (e.g. in one payment before 2026-04-13)"), validators=[Length(max=200)])
    other = TextAreaField(_l("Other terms, one per line"), validators=[Optional(), Length(max=4000)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])
