"""The court's form base: input that no field expects is a field error in the person's language, never a 500.

Every form in `app/blueprints/*/forms.py` derives from this `FlaskForm` (same name as Flask-WTF's, so a
form module changes only its import). Each bound field gets one guard in front of its own validators:
text without control characters (NUL and friends: PostgreSQL cannot store them), numbers that are
finite and no larger than their columns, dates in a range that date arithmetic survives. The form is
then shown again with the person's input and the message beside the field, so nothing is lost.
"""
import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import DateField, DateTimeField, DecimalField, FloatField, IntegerField, StringField
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import StopValidation

# C0 controls and DEL, except tab, line feed and carriage return (which text areas legitimately send).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INT_MAX = 2 ** 31 - 1            # a PostgreSQL `integer` column: every id in the database
NUMBER_MAX = 10 ** 12            # money columns are Numeric(14, 2): below a trillion yuan
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)


def as_id(value):
    """An id taken from a form or query value: an int an id column can hold, or None. `str.isdigit()` is
    not enough: "²" is a digit to it but not to int(), and 2^40 is a number but no id."""
    value = str(value if value is not None else "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= INT_MAX else None


def _text_guard(form, field):
    values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
    if any(isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in values):
        raise StopValidation(_l("Remove the invisible control characters from this field."))


def _number_guard(form, field):
    value = field.data
    if value is None:
        return
    try:
        finite = value == value and abs(value) != float("inf")
    except ArithmeticError:  # a signalling NaN refuses even to be compared
        finite = False
    if not finite:
        field.data = None
        raise StopValidation(_l("Enter a number, for example 16000.50."))
    limit = INT_MAX if isinstance(field, IntegerField) else NUMBER_MAX
    if abs(value) > limit:
        field.data = None
        raise StopValidation(_l("This number is too large."))


def _date_guard(form, field):
    value = field.data
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        field.data = None
        raise StopValidation(_l("Enter a date between %(first)s and %(last)s.", first=FIRST_DAY.isoformat(),
                                last=LAST_DAY.isoformat()))


def guard_for(field):
    """The guard a bound field gets in front of its validators, or None."""
    if isinstance(field, (StringField, SelectFieldBase)):  # also TextAreaField, HiddenField, PasswordField...
        return _text_guard
    if isinstance(field, (IntegerField, DecimalField, FloatField)):
        return _number_guard
    if isinstance(field, (DateField, DateTimeField)):
        return _date_guard
    return None


class FlaskForm(_FlaskForm):
    """Flask-WTF's form with a guard on every field (see the module docstring)."""

    class Meta(_FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            guard = guard_for(field)
            if guard is not None:
                field.validators = [guard, *field.validators]
            return field
