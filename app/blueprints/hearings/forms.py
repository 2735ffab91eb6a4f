"""Forms of the hearing room. Each posting form carries a server-made idempotency key."""
import uuid

from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.idempotent import IdempotentForm
from app.models.hearing import PURPOSES, TRIAL_STAGES

PURPOSE_LABELS = {"evidence_exchange": _l("Evidence exchange"), "talk": _l("Talk"), "mediation": _l("Mediation"),
                  "trial": _l("Trial"), "enforcement_talk": _l("Enforcement talk")}
MODE_LABELS = {"async": _l("Asynchronous (answers with deadlines)"), "sync": _l("Synchronous (everyone online)")}
STAGE_LABELS = {"claims": _l("Claims and defence"), "evidence": _l("Evidence and cross-examination"),
                "debate": _l("Debate"), "final": _l("Final statement")}
TIMES = ["24:00", "18:00", "12:00", "09:00"]
# Generous at the form level so a 100 KB paste gets the service's clear "too long" message, not a crash.
TEXT = [Length(max=200_000)]


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def new_key():
    return uuid.uuid4().hex


class KeyedForm(FlaskForm):
    # The message's own idempotency key (a unique column on the message): at most 64 plain characters,
    # so a tampered or over-long key is a 400, never a database error.
    key = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{1,64}$", message=_l(
        "This form is damaged or too old (its key is not valid). Reload the page and send it again."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.key.data:
            self.key.data = new_key()


class CsrfForm(FlaskForm):
    """Only the CSRF token: buttons such as close or withdraw."""


class OpenHearingForm(IdempotentForm):
    purpose = SelectField(_l("Purpose"), choices=[(p, PURPOSE_LABELS[p]) for p in PURPOSES])
    mode = SelectField(_l("Mode"), choices=list(MODE_LABELS.items()))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    parties = Checkboxes(_l("Parties"), coerce=int)
    clerks = Checkboxes(_l("Clerks"), coerce=int)


class MessageForm(KeyedForm):
    text = TextAreaField(_l("Message"), validators=TEXT)
    reply_to = HiddenField()
    about = SelectField(_l("About exhibit"), choices=[], validate_choice=False)
    file = FileField(_l("Attach a photo, document or video"))


class ItemForm(KeyedForm):
    text = TextAreaField(_l("Question or task"), validators=TEXT)
    parties = Checkboxes(_l("Addressed to"), coerce=int)
    day = DateField(_l("Answer by (day)"), validators=[DataRequired(_l("Choose the day of the deadline."))])
    at = SelectField(_l("Time"), choices=[(t, t) for t in TIMES], default="24:00")


class AnswerForm(KeyedForm):
    text = TextAreaField(_l("Your answer"), validators=TEXT)
    file = FileField(_l("Attach a photo, document or video"))


class ExtensionRequestForm(IdempotentForm):
    reason = TextAreaField(_l("Why do you need more time?"), validators=TEXT)


class DeadlineForm(FlaskForm):
    day = DateField(_l("New deadline (day)"), validators=[DataRequired(_l("Choose the day of the deadline."))])
    at = SelectField(_l("Time"), choices=[(t, t) for t in TIMES], default="24:00")
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class DecideForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("grant", _l("Grant")), ("refuse", _l("Refuse"))])
    day = DateField(_l("New deadline (day)"), validators=[Optional()])
    at = SelectField(_l("Time"), choices=[(t, t) for t in TIMES], default="24:00")


class ModeForm(FlaskForm):
    mode = SelectField(_l("Mode"), choices=list(MODE_LABELS.items()))


class TrialForm(FlaskForm):
    """One form for the steps of Art. 20 ¶2; `action` names the step."""
    action = HiddenField()
    procedure = SelectField(_l("Procedure"), choices=[("small_claims", _l("Small claims")),
                                                     ("simplified", _l("Simplified procedure")),
                                                     ("ordinary", _l("Ordinary procedure"))])
    text = TextAreaField(_l("Written application"), validators=TEXT)
    stage = SelectField(_l("Trial stage"), choices=[(s, STAGE_LABELS[s]) for s in TRIAL_STAGES])
    file = FileField(_l("Video statement"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False
    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
