from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.labels import DOC_ROLE_LABELS, KIND_LABELS, ROLE_LABELS


class RevisionForm(FlaskForm):
    """Only CSRF and the revision the person saw: a second click or an old tab is refused."""
    revision = HiddenField()


class StartForm(FlaskForm):
    court = SelectField(_l("Court"), coerce=int, validators=[DataRequired(_l("Choose a court."))])
    kind = SelectField(_l("Kind of case"), validators=[DataRequired(_l("Choose the kind of case."))])

    def fill(self, courts, kinds):
        self.court.choices = [(c.id, c.name) for c in courts]
        self.kind.choices = [(k, KIND_LABELS.get(k, k)) for k in kinds]
        return self


class DetailsForm(RevisionForm):
    kind = SelectField(_l("Kind of case"))
    title = StringField(_l("Title (e.g. 王芳诉陈强买卖合同纠纷)"), validators=[Length(max=200)])
    claims = TextAreaField(_l("Claims (诉讼请求)"), validators=[Length(max=5000)])
    facts = TextAreaField(_l("Facts and reasons (事实与理由)"), validators=[Length(max=20000)])
    amount = StringField(_l("Amount in dispute (yuan)"), validators=[Optional(), Length(max=20)])


class PartyForm(RevisionForm):
    role = SelectField(_l("Role"))
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the party's name.")), Length(max=100)])
    id_number = StringField(_l("ID number (18 characters)"), validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Mobile number"), validators=[Optional(), Length(max=20)])

    def fill(self, roles):
        self.role.choices = [(r, ROLE_LABELS.get(r, r)) for r in roles]
        return self


class AttachmentForm(RevisionForm):
    role = SelectField(_l("Document"), choices=list(DOC_ROLE_LABELS.items()))
    file = FileField(_l("File (PDF, photo, Word or Excel)"))
    by_post = BooleanField(_l("I cannot upload this: it will come by post or at the counter"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    replaces = HiddenField()


class ResubmitForm(RevisionForm):
    reply = TextAreaField(_l("Your reply to the court"), validators=[Optional(), Length(max=5000)])


class JoinForm(FlaskForm):
    online = RadioField(_l("Do you agree to take part in this case online?"),
                        choices=[("yes", _l("Yes, online")), ("no", _l("No, offline"))],
                        validators=[DataRequired(_l("Choose yes or no."))])
    e_service = RadioField(_l("Do you agree to receive court documents electronically (SMS and this site)?"),
                           choices=[("yes", _l("Yes, electronic service")), ("no", _l("No, serve me on paper"))],
                           validators=[DataRequired(_l("Choose yes or no."))])
