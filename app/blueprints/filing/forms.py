from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.idempotent import IdempotentForm
from app.labels import DOC_ROLE_LABELS, KIND_LABELS, ROLE_LABELS


class RevisionForm(FlaskForm):
    """Only CSRF and the revision the person saw: a second click or an old tab is refused."""
    revision = HiddenField()


class StartForm(IdempotentForm):
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
    party_type = SelectField(_l("Kind of party"), default="person", choices=[
        ("person", _l("A person (自然人)")), ("legal_person", _l("A company or other legal person (法人)")),
        ("organisation", _l("Another organisation (非法人组织)"))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the party's name.")), Length(max=100)])
    id_type = SelectField(_l("Identity document"), default="", choices=[
        ("", _l("Resident ID, or the credit code of an organisation")), ("resident_id", _l("Resident ID (居民身份证)")),
        ("passport", _l("Passport")), ("hk_macao_permit", _l("Hong Kong / Macao permit (港澳居民来往内地通行证)")),
        ("taiwan_permit", _l("Taiwan permit (台湾居民来往大陆通行证)")),
        ("uscc", _l("Unified social credit code (统一社会信用代码)"))])
    id_number = StringField(_l("ID number or credit code (18 characters)"), validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Mobile number (+country code outside the mainland)"),
                        validators=[Optional(), Length(max=20)])
    representative_name = StringField(_l("Legal representative or principal (organisations)"),
                                      validators=[Optional(), Length(max=100)])
    representative_title = StringField(_l("Their position"), validators=[Optional(), Length(max=40)])
    agent_name = StringField(_l("Staff member acting under a letter of authorisation (optional)"),
                             validators=[Optional(), Length(max=100)])
    agent_title = StringField(_l("Staff member's position"), validators=[Optional(), Length(max=40)])

    def details(self):
        """The party's details for filing.add_party / update_party."""
        return dict(party_type=self.party_type.data, id_type=self.id_type.data or None,
                    representative_name=self.representative_name.data,
                    representative_title=self.representative_title.data, agent_name=self.agent_name.data,
                    agent_title=self.agent_title.data)

    def fill(self, roles):
        self.role.choices = [(r, ROLE_LABELS.get(r, r)) for r in roles]
        return self


class AttachmentForm(RevisionForm):
    role = SelectField(_l("Document"), choices=list(DOC_ROLE_LABELS.items()))
    file = FileField(_l("File (PDF, photo, Word or Excel)"))
    by_post = BooleanField(_l("I cannot upload this: it will come by post or at the counter"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    replaces = HiddenField()


class ResubmitForm(IdempotentForm, RevisionForm):
    reply = TextAreaField(_l("Your reply to the court"), validators=[Optional(), Length(max=5000)])


class JoinForm(FlaskForm):
    online = RadioField(_l("Do you agree to take part in this case online?"),
                        choices=[("yes", _l("Yes, online")), ("no", _l("No, offline"))],
                        validators=[DataRequired(_l("Choose yes or no."))])
    e_service = RadioField(_l("Do you agree to receive court documents electronically (SMS and this site)?"),
                           choices=[("yes", _l("Yes, electronic service")), ("no", _l("No, serve me on paper"))],
                           validators=[DataRequired(_l("Choose yes or no."))])
