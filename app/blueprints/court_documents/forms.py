from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class DraftForm(FlaskForm):
    """The judge's parts of the template; the case's data fills the rest."""
    defence = TextAreaField(_l("The defendant's defence (被告辩称)"), validators=[Optional(), Length(max=20000)])
    findings = TextAreaField(_l("Facts found (本院查明)"), validators=[Optional(), Length(max=20000)])
    reasoning = TextAreaField(_l("The court's reasoning (本院认为)"), validators=[Optional(), Length(max=20000)])
    orders = TextAreaField(_l("Operative part (判决主文), one order per line"), validators=[Optional(), Length(max=10000)])
    fee_burden = StringField(_l("Who bears the acceptance fee"), validators=[Optional(), Length(max=200)])
    reasons = TextAreaField(_l("Reasons (本院认为)"), validators=[Optional(), Length(max=20000)])
    amount = StringField(_l("Value of the property to preserve (yuan)"), validators=[Optional(), Length(max=20)])


class EditForm(FlaskForm):
    revision = HiddenField()
    text = TextAreaField(_l("Text, one paragraph per line"), validators=[Length(max=100000)])


class SignForm(FlaskForm):
    doc_hash = HiddenField()
    ground = SelectField(_l("Ground"), default="", choices=[
        ("", "—"), ("fee_not_paid", _l("The acceptance fee was not paid")),
        ("absent", _l("The plaintiff refused to appear without good reason"))])


class ActionForm(FlaskForm):
    """CSRF only: a button."""
