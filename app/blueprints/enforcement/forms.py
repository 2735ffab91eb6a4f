"""Forms of the enforcement pages. Amounts and dates are strings here: the service parses them (Decimal)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Length, NumberRange, Optional

INSTRUMENT_LABELS = {"judgment": _l("Judgment"), "ruling": _l("Ruling"), "mediation": _l("Mediation document"),
                     "arbitral_award": _l("Arbitral award"), "other": _l("Other enforceable document")}
CLUE_LABELS = {"bank_account": _l("Bank account"), "real_estate": _l("Real estate"), "vehicle": _l("Vehicle"),
               "shares": _l("Shares"), "other": _l("Other")}
ACTION_LABELS = {"searched": _l("Searched"), "frozen": _l("Frozen"), "seized": _l("Seized"),
                 "released": _l("Released"), "nothing_found": _l("Nothing found")}
ENTRY_LABELS = {"principal": _l("Amount due"), "interest": _l("Interest"), "costs": _l("Costs"),
                "payment": _l("Payment by the respondent"), "payout": _l("Paid out to the applicant")}
PARTY_LABELS = {"applicant": _l("Applicant for enforcement"), "respondent": _l("Person subject to enforcement")}
STATUS_LABELS = {"open": _l("In progress"), "suspended": _l("Suspended (settlement)"),
                 "completed": _l("Completed"), "terminated": _l("Terminated for now")}


class ApplicationForm(FlaskForm):
    instrument_kind = SelectField(_l("Enforceable instrument"), choices=list(INSTRUMENT_LABELS.items()))
    source = RadioField(_l("Where is it?"), choices=[("system", _l("A case of this court system")),
                                                       ("upload", _l("I upload it with its proof of effect"))],
                        default="system")
    instrument_case = SelectField(_l("Case"), coerce=int, choices=[], validate_choice=False)
    instrument_number = StringField(_l("Document number"), validators=[Length(max=64)])
    instrument_file = FileField(_l("The document"))
    proof_file = FileField(_l("Proof that it took effect"))
    effective_on = StringField(_l("Date it took effect (YYYY-MM-DD)"),
                               validators=[DataRequired(_l("Enter the date it took effect."))])
    amount = StringField(_l("Amount to enforce (yuan)"))
    act = TextAreaField(_l("Act to enforce, if any"), validators=[Length(max=4000)])


class ClueForm(FlaskForm):
    kind = SelectField(_l("Kind of property"), choices=list(CLUE_LABELS.items()))
    description = TextAreaField(_l("Description"), validators=[DataRequired(_l("Enter a description.")),
                                                               Length(max=4000)])
    attachment = FileField(_l("Attachment (optional)"))
    key = StringField()


class ClueActionForm(FlaskForm):
    action = SelectField(_l("What was done"), choices=list(ACTION_LABELS.items()))
    done_on = StringField(_l("Date (YYYY-MM-DD)"), validators=[DataRequired(_l("Enter a date like 2026-12-01."))])
    until = StringField(_l("Until (optional)"))
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])


class EntryForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(ENTRY_LABELS.items()))
    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(_l("Enter an amount."))])
    on_date = StringField(_l("Date (YYYY-MM-DD)"), validators=[DataRequired(_l("Enter a date like 2026-12-01."))])
    note = StringField(_l("Note"), validators=[Length(max=2000)])
    proof = FileField(_l("Proof of payment"))
    key = StringField()


class RequestConfirmationForm(FlaskForm):
    days = IntegerField(_l("Days to answer"), default=3,
                        validators=[Optional(), NumberRange(min=1, max=30, message=_l("Between 1 and 30 days."))])


class OpeningDocumentsForm(FlaskForm):
    report_days = IntegerField(_l("Days to report property"), default=5,
                               validators=[Optional(), NumberRange(min=1, max=60, message=_l("Between 1 and 60 days."))])

MEASURE_LABELS = {"dishonest_list": _l("Listed as a dishonest person subject to enforcement"),
                  "consumption_ban": _l("Restricted from high consumption")}
CONDITION_LABELS = {"order_served": _l("Notice of enforcement and order to report property served"),
                    "property_searched": _l("Property searched through the network and the applicant's clues"),
                    "nothing_to_dispose": _l("No property found, or none that can be disposed of"),
                    "measures_taken": _l("Consumption restricted; listed as dishonest where the law allows"),
                    "applicant_interviewed": _l("Applicant told the grounds and consequences at the interview")}
SETTLEMENT_LABELS = {"signing": _l("Awaiting signatures"), "in_force": _l("In force (enforcement suspended)"),
                     "performed": _l("Performed"), "broken": _l("Broken (enforcement resumed)")}


class SettlementForm(FlaskForm):
    terms = TextAreaField(_l("Terms of the settlement"), validators=[DataRequired(_l("Enter a description.")),
                                                                     Length(max=8000)])


class EndSettlementForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=[("performed", _l("Performed")), ("broken", _l("Broken"))],
                         validators=[DataRequired(_l("Choose an outcome."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=4000)])


class MeasureForm(FlaskForm):
    kind = SelectField(_l("Measure"), choices=list(MEASURE_LABELS.items()))
    party = SelectField(_l("Person"), coerce=int, choices=[], validate_choice=False)
    start_on = StringField(_l("From (YYYY-MM-DD)"), validators=[DataRequired(_l("Enter a date like 2026-12-01."))])
    end_on = StringField(_l("Until (optional)"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Enter a description.")), Length(max=4000)])


class InterviewForm(FlaskForm):
    held_on = StringField(_l("Date of the interview (YYYY-MM-DD)"),
                          validators=[DataRequired(_l("Enter a date like 2026-12-01."))])
    notes = TextAreaField(_l("What was said"), validators=[DataRequired(_l("Enter a description.")), Length(max=8000)])
    applicant_view = TextAreaField(_l("The applicant's view"), validators=[Length(max=4000)])
    conditions = SelectMultipleField(_l("Conditions met"), choices=list(CONDITION_LABELS.items()),
                                     option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
