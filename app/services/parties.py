"""Who a party is (当事人身份): natural persons (自然人), legal persons (法人) and other organisations
(非法人组织), their identity documents and numbers, who speaks for an organisation, and phone numbers.

- Natural persons: a resident ID (居民身份证, GB 11643, also the 18-character residence permits of
  Hong Kong, Macao and Taiwan residents), a passport (护照), a Mainland Travel Permit for Hong Kong and
  Macao Residents (港澳居民来往内地通行证) or for Taiwan Residents (台湾居民来往大陆通行证).
- Legal persons and other organisations: the unified social credit code (统一社会信用代码, GB 32100-2015)
  with its check character, and the legal representative (法定代表人) or principal (主要负责人); staff may
  act for it under a letter of authorisation (授权委托书).
- Phones: a mainland mobile (11 digits), or an E.164 number (+852…) for a party outside the mainland.
"""
import re

from app.services.errors import DomainError, N_
from app.services.id_numbers import is_valid as resident_id_valid, normalise_id_number

PARTY_TYPES = ("person", "legal_person", "organisation")
PERSON_ID_TYPES = ("resident_id", "passport", "hk_macao_permit", "taiwan_permit")
ORG_ID_TYPES = ("uscc",)
ID_TYPES = PERSON_ID_TYPES + ORG_ID_TYPES

# GB 32100-2015: 31 characters (no I, O, Z, S, V) and the weights of positions 1–17.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# GB 11714-1997: the organisation code (组织机构代码) inside a credit code, positions 9–17, has its own check.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")
_HK_MACAO = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN = re.compile(r"^\d{8}(\d{2})?$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class InvalidCreditCode(DomainError):
    message = N_("This unified social credit code is not valid: check the 18 characters (the last one is a "
                 "check character; the letters I, O, Z, S and V are never used).")


class InvalidIdNumber(DomainError):
    message = N_("This ID number is not valid: check the 18 characters (the last one is a check digit or X).")


class InvalidPassport(DomainError):
    message = N_("This passport number is not valid: use the letters and digits as printed (5 to 17).")


class InvalidPermit(DomainError):
    message = N_("This permit number is not valid: a Hong Kong or Macao permit is H or M and 8 or 10 digits; "
                 "a Taiwan permit is 8 or 10 digits.")


class WrongIdType(DomainError):
    message = N_("Choose a document that fits the party: an ID, passport or permit for a person, the unified "
                 "social credit code for a company or organisation.")


class RepresentativeRequired(DomainError):
    message = N_("Enter the legal representative or principal of the company or organisation.")


class InvalidPhone(DomainError):
    message = N_("Enter a mainland mobile number (11 digits starting with 1), or a number outside the mainland "
                 "with its country code, for example +852 9123 4567.")


def uscc_check_char(first17):
    """The 18th character of a credit code, from its first 17 (GB 32100-2015, 5.2)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8):
    """The check character of a 9-character organisation code (GB 11714-1997)."""
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in first8]
    c9 = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def normalise_code(raw):
    return re.sub(r"[\s\-]", "", raw or "").upper()


def uscc_valid(code):
    """18 characters from the GB 32100 alphabet and the right check character."""
    code = normalise_code(code)
    return bool(_USCC_SHAPE.match(code)) and code[17] == uscc_check_char(code[:17])


def check_identity(party_type, id_type, id_number):
    """(id_type, normalised number) for a party; raises a named error a person can act on."""
    party_type = party_type if party_type in PARTY_TYPES else "person"
    number = normalise_code(id_number)
    if not number:
        return (id_type if id_type in ID_TYPES else None), None
    if party_type == "person":
        id_type = id_type or "resident_id"
        if id_type not in PERSON_ID_TYPES:
            raise WrongIdType()
    else:
        id_type = id_type or "uscc"
        if id_type not in ORG_ID_TYPES:
            raise WrongIdType()
    if id_type == "resident_id" and not resident_id_valid(normalise_id_number(number)):
        raise InvalidIdNumber()
    if id_type == "passport" and not _PASSPORT.match(number):
        raise InvalidPassport()
    if id_type == "hk_macao_permit" and not _HK_MACAO.match(number):
        raise InvalidPermit()
    if id_type == "taiwan_permit" and not _TAIWAN.match(number):
        raise InvalidPermit()
    if id_type == "uscc" and not uscc_valid(number):
        raise InvalidCreditCode()
    return id_type, number


def identity_valid(party_type, id_type, id_number):
    try:
        check_identity(party_type, id_type, id_number)
    except DomainError:
        return False
    return True


def normalise_phone(raw):
    """A mainland mobile as 11 digits, any other number in E.164 (+852…); None when it is neither."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+86"):
        digits = digits[3:]
    if _MAINLAND_MOBILE.match(digits):
        return digits
    if _E164.match(digits):
        return digits
    return None


def check_phone(raw):
    if not (raw or "").strip():
        return None
    phone = normalise_phone(raw)
    if phone is None:
        raise InvalidPhone()
    return phone


def is_abroad(phone):
    """A number outside the mainland (no SMS through the mainland gateway: serve by other means)."""
    return bool(phone) and phone.startswith("+")


def check_organisation(party_type, representative_name):
    """An organisation needs its legal representative or principal (法定代表人/主要负责人)."""
    if party_type in ("legal_person", "organisation") and not (representative_name or "").strip():
        raise RepresentativeRequired()
    return (representative_name or "").strip() or None
