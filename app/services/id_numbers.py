"""Chinese resident ID numbers (居民身份证号码, GB 11643-1999): 17 digits and a check character."""
import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17):
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def normalise_id_number(raw):
    """Upper-case X, no spaces. The number is returned as typed otherwise (validate with `is_valid`)."""
    return re.sub(r"\s", "", raw or "").upper()


def is_valid(number):
    """18 characters, a real birth date, and the right check character."""
    number = normalise_id_number(number)
    if not _SHAPE.match(number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > date.today():
        return False
    return number[17] == check_char(number[:17])
