import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class KeyedForm(FlaskForm):
    """A creating form: its key is made when it is rendered, so a second tap creates nothing new."""
    key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.key.data:
            self.key.data = secrets.token_hex(12)


class MessageForm(KeyedForm):
    body = TextAreaField(_l("Your message to the court"), validators=[
        DataRequired(_l("Write your message first.")), Length(max=4000)])


class ApplicationForm(KeyedForm):
    kind = SelectField(_l("What do you apply for?"), choices=[
        ("extend_evidence", _l("More time for evidence (延长举证期限)")),
        ("postpone_hearing", _l("Postpone a hearing (延期开庭)")),
        ("preservation", _l("Property preservation (财产保全)")),
        ("appraisal", _l("Appraisal (鉴定)")),
        ("withdraw", _l("Withdraw the suit (撤诉)"))])
    reason = TextAreaField(_l("Reasons"), validators=[DataRequired(_l("Give the reasons.")), Length(max=4000)])
    until = StringField(_l("New date for evidence (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])
    evidence = StringField(_l("Which evidence"), validators=[Optional(), Length(max=500)])
    hearing = StringField(_l("Which hearing"), validators=[Optional(), Length(max=200)])
    proposed = StringField(_l("Date you propose (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)])
    property = TextAreaField(_l("Property to preserve (where, whose)"), validators=[Optional(), Length(max=1000)])
    amount = StringField(_l("Value to preserve (yuan)"), validators=[Optional(), Length(max=20)])
    security_kind = SelectField(_l("Security offered (担保)"), default="", choices=[
        ("", "—"), ("cash", _l("Cash")), ("guarantee", _l("Guarantee")), ("insurance", _l("Preservation insurance")),
        ("property", _l("Property"))])
    security_amount = StringField(_l("Amount of the security (yuan)"), validators=[Optional(), Length(max=20)])
    subject = TextAreaField(_l("What is to be appraised"), validators=[Optional(), Length(max=1000)])
    field_ = StringField(_l("Kind of appraisal"), name="field", validators=[Optional(), Length(max=100)])

    def details(self):
        return {k: getattr(self, k).data for k in ("until", "evidence", "hearing", "proposed", "property", "amount",
                                                     "security_kind", "security_amount", "subject")} | \
            {"field": self.field_.data}


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("grant", _l("Grant")), ("refuse", _l("Refuse"))],
                          validators=[DataRequired(_l("Choose one."))])
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(_l("Give the reasons.")), Length(max=4000)])


class ActionForm(FlaskForm):
    """CSRF only: a button."""
