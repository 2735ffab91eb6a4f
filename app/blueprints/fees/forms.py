from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ActionForm(FlaskForm):
    """CSRF only: a button."""


class ReliefForm(FlaskForm):
    kind = RadioField(_l("What do you ask for?"), choices=[
        ("defer", _l("To pay later (缓交)")), ("reduce", _l("To pay less (减交)")), ("waive", _l("Not to pay (免交)"))],
        validators=[DataRequired(_l("Choose one."))])
    reason = TextAreaField(_l("Why (attach proof of hardship in the case's documents)"),
                           validators=[DataRequired(_l("Give the reasons.")), Length(max=4000)])


class DecideReliefForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("grant", _l("Grant")), ("refuse", _l("Refuse"))],
                          validators=[DataRequired(_l("Choose one."))])
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(_l("Give the reasons.")), Length(max=4000)])
    new_amount = StringField(_l("New amount (yuan), for a reduction"), validators=[Optional(), Length(max=20)])
    new_due_on = DateField(_l("New deadline, for a deferral"), validators=[Optional()])


class ClerkPaymentForm(FlaskForm):
    amount = StringField(_l("Amount received (yuan)"), validators=[DataRequired(_l("Enter the amount.")),
                                                                     Length(max=20)])
    reference = StringField(_l("Receipt number"), validators=[DataRequired(_l("Enter the receipt number.")),
                                                                Length(max=64)])
