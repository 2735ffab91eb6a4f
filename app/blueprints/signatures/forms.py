from flask_babel import lazy_gettext as _l
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from flask_wtf.file import FileField
from wtforms import HiddenField


class SignatureForm(FlaskForm):
    """Either a drawn signature (canvas PNG as a data URL, JS on) or a photo of one on paper (JS off)."""
    drawn = HiddenField()
    photo = FileField(_l("Photo of your signature on white paper"))
    next = HiddenField()
