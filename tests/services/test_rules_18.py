"""#18: the Online Litigation Rules (人民法院在线诉讼规则, 2021) where MicroCourt contradicted them."""
import pytest

from app.services import consent as consent_service, filing, hearings
from tests.services.test_filing import case_in, upload


def test_only_one_complete_correction_notice_art_9(db, world):  # noqa: F811
    court, clerk, filer = world
    case = case_in(db, "resubmitted", court, clerk, filer)
    with pytest.raises(filing.OneCompleteNotice):
        filing.request_correction(case, clerk, [{"kind": "other", "target": "", "note": "再补充一项"}], days=3)
    db.session.rollback()
    assert len(filing.corrections(case)) == 1 and case.state == "resubmitted"


def test_a_party_who_refused_online_litigation_gets_no_online_items_art_4(db, world, make_user):  # noqa: F811
    court, clerk, filer = world
    case = case_in(db, "accepted", court, clerk, filer)
    from sqlalchemy import select
    from app.models import User
    defendant_user = db.session.scalar(select(User).where(User.phone == "13800000002"))  # made by the SMS invite
    filing.join_case(case, defendant_user, online=False, e_service=False)
    judge = make_user("judge", court=court)
    db.session.commit()
    hearing = hearings.open_hearing(case, judge, purpose="evidence_exchange", mode="async")
    db.session.commit()
    assert hearing.participant_for(defendant_user) is None  # offline: no items, deadlines or overdue online
    assert hearing.participant_for(filer) is not None
    defendant = next(p for p in case.parties if p.user_id == defendant_user.id)
    assert hearings.refused_online(case, defendant)
    consent_service.record_consent(case, defendant, "online_litigation", True, defendant_user)
    assert not hearings.refused_online(case, defendant)
