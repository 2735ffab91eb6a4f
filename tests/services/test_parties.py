"""Companies and people as parties (当事人): credit codes, ID documents, phones outside the mainland."""
import pytest

from app.services import filing, parties
from tests.services.test_filing import GOOD_ID, complete_draft, upload

# Published credit codes of real companies (GB 32100 check character valid).
VALID_USCC = ["91350100M000100Y43", "914403001922038216", "91330100716105852F", "9144030071526726XG",
              "91110000600037341L", "91310000MA1FL1MMXL"]


@pytest.mark.parametrize("code", VALID_USCC)
def test_known_credit_codes_pass_and_every_corruption_of_one_character_fails(code):
    assert parties.uscc_valid(code) and parties.uscc_valid(code.lower()) and parties.uscc_valid(code[:9] + " " + code[9:])
    assert parties.uscc_check_char(code[:17]) == code[17]
    # The organisation code inside (positions 9-17) carries its own GB 11714 check character.
    assert parties.org_code_check_char(code[8:16]) == code[16]
    for i in range(18):
        for c in parties.USCC_CHARS:
            if c != code[i]:
                assert not parties.uscc_valid(code[:i] + c + code[i + 1:]), (i, c)


def test_swapped_characters_letters_never_used_and_wrong_lengths_fail():
    code = VALID_USCC[1]
    assert not parties.uscc_valid(code[:3] + code[4] + code[3] + code[5:])  # two digits swapped
    for bad in ("I", "O", "Z", "S", "V"):
        assert not parties.uscc_valid(code[:10] + bad + code[11:])
    assert not parties.uscc_valid(code[:17]) and not parties.uscc_valid(code + "1") and not parties.uscc_valid("")


def test_identity_documents_by_kind_of_party():
    assert parties.check_identity("person", None, GOOD_ID) == ("resident_id", GOOD_ID)
    assert parties.check_identity("person", "passport", "e12345678") == ("passport", "E12345678")
    assert parties.check_identity("person", "hk_macao_permit", "H12345678") == ("hk_macao_permit", "H12345678")
    assert parties.check_identity("person", "taiwan_permit", "01234567") == ("taiwan_permit", "01234567")
    assert parties.check_identity("legal_person", None, VALID_USCC[0]) == ("uscc", VALID_USCC[0])
    with pytest.raises(parties.InvalidIdNumber):
        parties.check_identity("person", "resident_id", "110105194912310021")
    with pytest.raises(parties.InvalidPermit):
        parties.check_identity("person", "hk_macao_permit", "X12345678")
    with pytest.raises(parties.InvalidPassport):
        parties.check_identity("person", "passport", "E1-")  # too short once cleaned
    with pytest.raises(parties.InvalidCreditCode):
        parties.check_identity("organisation", "uscc", VALID_USCC[0][:17] + "4")
    with pytest.raises(parties.WrongIdType):
        parties.check_identity("legal_person", "resident_id", GOOD_ID)
    with pytest.raises(parties.WrongIdType):
        parties.check_identity("person", "uscc", VALID_USCC[0])


def test_phones_mainland_mobile_or_e164_outside_the_mainland():
    assert parties.normalise_phone("+86 138-0000-0002") == "13800000002"
    assert parties.normalise_phone("+852 9123 4567") == "+85291234567"
    assert parties.normalise_phone("00853 6612 3456") == "+85366123456"
    assert parties.normalise_phone("+886 912 345 678") == "+886912345678"
    assert parties.is_abroad("+85291234567") and not parties.is_abroad("13800000002")
    for bad in ("021-63211234", "+86 21 6321 1234", "+0123456", "852 9123 4567", "12345"):
        assert parties.normalise_phone(bad) is None, bad


def test_a_company_sues_a_person_through_a_lawyer(db, world, make_user):  # noqa: F811
    court, clerk, _ = world
    lawyer = make_user("lawyer", name="刘洋")
    case = filing.start_filing(lawyer, court, "commercial")
    filing.update_filing(case, lawyer, title="某某公司诉陈强买卖合同纠纷", claims="支付货款160000元",
                         facts="被告未付款。", amount="160000")
    db.session.commit()
    with pytest.raises(parties.RepresentativeRequired):
        filing.add_party(case, lawyer, role="plaintiff", name="上海某某贸易有限公司", party_type="legal_person",
                         id_number=VALID_USCC[5])
    with pytest.raises(parties.InvalidCreditCode):
        filing.add_party(case, lawyer, role="plaintiff", name="上海某某贸易有限公司", party_type="legal_person",
                         id_number=VALID_USCC[5][:17] + "A", representative_name="李总")
    db.session.rollback()
    company = filing.add_party(case, lawyer, role="plaintiff", name="上海某某贸易有限公司", party_type="legal_person",
                               id_number=VALID_USCC[5].lower(), representative_name="李总",
                               representative_title="执行董事", agent_name="赵会计", agent_title="财务")
    filing.add_party(case, lawyer, role="defendant", name="陈强", id_number=GOOD_ID, phone="+852 9123 4567")
    for role in filing.required_roles(case):
        filing.add_attachment(case, lawyer, role=role, upload=upload(name=f"{role}.pdf"))
    assert filing.problems(case) == []
    filing.submit(case, lawyer)
    db.session.commit()
    assert company.id_type == "uscc" and company.id_number == VALID_USCC[5] and company.is_organisation
    assert company.lawyer_id == lawyer.id and company.representative_name == "李总"
    defendant = case.parties[-1]
    assert defendant.phone == "+85291234567" and defendant.id_type == "resident_id"
    assert filing.versions(case)[0].snapshot["parties"][0]["party_type"] == "legal_person"


def test_an_organisation_without_its_code_or_representative_cannot_be_submitted(db, world, make_user):  # noqa: F811
    court, clerk, _ = world
    lawyer = make_user("lawyer")
    case = filing.start_filing(lawyer, court, "civil")
    filing.add_party(case, lawyer, role="plaintiff", name="某某合伙企业", party_type="organisation",
                     representative_name="王执行")
    found = [m for m, _ in filing.problems(case)]
    assert "Enter the unified social credit code of %(name)s." in found


def test_a_person_can_be_changed_into_a_company_and_the_diff_says_so(db, world):  # noqa: F811
    court, clerk, filer = world
    case = complete_draft(db, court, filer)
    defendant = case.parties[-1]
    filing.update_party(case, filer, defendant, name="陈强贸易有限公司", id_number=VALID_USCC[0],
                        party_type="legal_person", representative_name="陈强")
    db.session.commit()
    assert defendant.party_type == "legal_person" and defendant.id_type == "uscc"
    old = filing.snapshot(case)
    old["parties"][-1].update(party_type="person", id_type="resident_id")
    change = [c for c in filing.diff(old, filing.snapshot(case)) if c["what"] == "party"][0]
    assert {"party_type", "id_type"} <= set(change["fields"])
