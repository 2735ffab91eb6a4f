from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

PHOTO = {"accept": "image/*", "capture": "user"}  # the phone opens its front camera, no JS needed


class FaceCheckForm(FlaskForm):
    check_id = HiddenField()
    next = HiddenField()
    selfie = FileField(_l("Photo 1: your face, looking straight at the camera"),
                       validators=[FileRequired(_l("Take or choose a photo."))])
    # Required only when the liveness check is on (checked in the route).
    challenge_photo = FileField(_l("Photo 2: do what the instruction says"))


class ReferenceForm(FlaskForm):
    next = HiddenField()
    photo = FileField(_l("A clear photo of your face"), validators=[FileRequired(_l("Take or choose a photo."))])
    id_card = FileField(_l("A photo of the front of your ID card"),
                        validators=[FileRequired(_l("Take or choose a photo."))])


class ReviewForm(FlaskForm):
    # Radio buttons with nothing pre-selected: the clerk must choose (a pre-selected "verified"
    # invited a click-through).
    action = RadioField(_l("Decision"), choices=[
        ("verify", _l("I have verified this person's identity")), ("dismiss", _l("Close without verifying")),
        ("approve", _l("Approve the reference photo")), ("reject", _l("Reject the reference photo"))],
        validators=[InputRequired(_l("Choose a decision."))])
    note = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class CardEnrolForm(FlaskForm):
    next = HiddenField()
    party = SelectField(_l("Case"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Name, as on your ID card"), validators=[DataRequired(_l("Write your name.")),
                                                                   Length(max=100)])
    id_number = StringField(_l("ID number (18 characters)"), validators=[
        DataRequired(_l("Write your ID number.")), Length(max=40)])
    card_photo = FileField(_l("Photo 1: the front of your ID card (the side with your photo)"),
                           validators=[FileRequired(_l("Take or choose a photo."))])
    selfie = FileField(_l("Photo 2: your face, looking straight at the camera"),
                       validators=[FileRequired(_l("Take or choose a photo."))])
    challenge_photo = FileField(_l("Photo 3: your head turned to one side"),
                                validators=[FileRequired(_l("Take or choose a photo."))])


class ResumeForm(FlaskForm):
    pass


class EnrolForm(FlaskForm):
    case = HiddenField()
    person = SelectField(_l("Person"), coerce=int, validators=[DataRequired()])
    source = SelectField(_l("Where the photo comes from"), choices=[
        ("court_enrolment", _l("Taken at the court")), ("clerk_upload", _l("Uploaded by the clerk")),
        ("id_card", _l("Photo on the ID card"))])
    photo = FileField(_l("Photo"), validators=[FileRequired(_l("Take or choose a photo."))])
