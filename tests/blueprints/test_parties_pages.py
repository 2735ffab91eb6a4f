"""The filing page takes companies and people from outside the mainland as parties, with field messages."""
from app.models import Case
from app.services import filing

from tests.services.test_parties import VALID_USCC


def test_a_wrong_credit_code_gets_a_field_message_and_a_right_one_adds_the_company(client, db, auth, world):  # noqa: F811
    court, clerk, filer = world
    case = filing.start_filing(filer, court, "civil")
    db.session.commit()
    auth.login(filer)
    form = {"revision": case.revision, "role": "defendant", "party_type": "legal_person", "name": "上海某某贸易有限公司",
            "id_type": "uscc", "id_number": VALID_USCC[5][:17] + "A", "representative_name": "李总",
            "phone": "+852 9123 4567"}
    resp = client.post(f"/filings/{case.filing_ref}/parties", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and ("统一社会信用代码" in page or "credit code" in page)
    assert 'value="上海某某贸易有限公司"' in page  # nothing typed is lost
    resp = client.post(f"/filings/{case.filing_ref}/parties", data={**form, "id_number": VALID_USCC[5],
                                                                     "representative_name": ""})
    assert resp.status_code == 400 and ("法定代表人" in resp.get_data(as_text=True)
                                        or "legal representative" in resp.get_data(as_text=True))
    assert len(db.session.get(Case, case.id).parties) == 1
    resp = client.post(f"/filings/{case.filing_ref}/parties", data={**form, "id_number": VALID_USCC[5]})
    assert resp.status_code == 302
    company = db.session.get(Case, case.id).parties[-1]
    assert (company.party_type, company.id_type, company.phone) == ("legal_person", "uscc", "+85291234567")
    assert "李总" in client.get(f"/filings/{case.filing_ref}").get_data(as_text=True)
