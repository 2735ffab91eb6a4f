"""The case channel (联系法官) and applications (申请): who may write, idempotent forms, decisions served."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Case, CourtDocument, SmsMessage
from app.models.case_extras import CaseApplication
from app.services import applications, case_channel, court_documents, e_service, lifecycle, mediation
from app.services.errors import InvalidState, NotAllowed
from app.services.court_time import today as local_today
from app.services.transcripts import hearing_events


@pytest.fixture
def world(db, make_user, make_court, make_case):
    court = make_court()
    judge, clerk = make_user("judge", court=court), make_user("clerk", court=court)
    defendant = make_user("litigant")
    case = make_case(court=court, defendant=defendant, state="hearing")
    case.judge_id = judge.id
    db.session.commit()
    return case, judge, clerk, defendant


def test_parties_and_the_judges_team_write_outsiders_and_other_courts_do_not(db, world, make_user, make_court):
    case, judge, clerk, defendant = world
    plaintiff = case.parties[0].user
    case_channel.post(case, plaintiff, "请问开庭时间？", "k1")
    case_channel.post(case, plaintiff, "请问开庭时间？", "k1")  # the same form twice
    answer = case_channel.post(case, clerk, "开庭时间另行通知。", "k2")
    db.session.commit()
    assert [m.body for m in case_channel.messages(case)] == ["请问开庭时间？", "开庭时间另行通知。"]
    for outsider in (make_user("litigant"), make_user("judge", court=make_court())):
        with pytest.raises(NotAllowed):
            case_channel.post(case, outsider, "你好", "k3")
    with pytest.raises(case_channel.EmptyMessage):
        case_channel.post(case, defendant, "  ", "k4")
    case_channel.mark_court_answer(answer, judge)
    db.session.commit()
    assert answer.court_answer_at is not None
    assert db.session.scalar(select(func.count()).select_from(SmsMessage).where(SmsMessage.kind == "case_channel")) == 2


def test_only_staff_answers_can_be_the_courts_and_only_staff_mark_them(db, world):
    case, judge, clerk, defendant = world
    question = case_channel.post(case, defendant, "能否延期？", "q")
    with pytest.raises(NotAllowed):
        case_channel.mark_court_answer(question, defendant)
    with pytest.raises(InvalidState):
        case_channel.mark_court_answer(question, judge)


def test_channel_messages_are_not_part_of_any_hearings_record(db, world):
    from app.services import hearings
    case, judge, clerk, defendant = world
    case.state = "accepted"
    db.session.commit()
    hearing = hearings.open_hearing(case, judge, purpose="talk", mode="async")
    case_channel.post(case, defendant, "法官您好，这是庭外的留言。", "c1")
    db.session.commit()
    texts = [str(e.data) for e in hearing_events(case.id, hearing.id)]
    assert texts and not any("庭外的留言" in t for t in texts)


def test_the_channel_is_read_only_once_the_case_has_ended(db, world):
    case, judge, clerk, defendant = world
    lifecycle.transition(case, "withdraw_suit", judge)
    db.session.commit()
    with pytest.raises(case_channel.ChannelClosed):
        case_channel.post(case, defendant, "还在吗？", "late")


# --------------------------------------------------------------------------- applications

def test_each_kind_of_application_checks_its_fields(db, world):
    case, judge, clerk, defendant = world
    plaintiff = case.parties[0].user
    with pytest.raises(applications.MissingDetail):
        applications.apply(case, plaintiff, "extend_evidence", "证据在外地", "a1", until=local_today().isoformat())
    ok = applications.apply(case, plaintiff, "extend_evidence", "证据在外地", "a1",
                            until=(local_today() + timedelta(days=10)).isoformat(), evidence="银行流水")
    assert applications.apply(case, plaintiff, "extend_evidence", "证据在外地", "a1",
                              until=(local_today() + timedelta(days=10)).isoformat()).id == ok.id
    with pytest.raises(applications.MissingDetail):  # preservation without security
        applications.apply(case, plaintiff, "preservation", "被告转移财产", "a2", property="被告名下车辆", amount="100000")
    pres = applications.apply(case, plaintiff, "preservation", "被告转移财产", "a3", property="被告名下车辆",
                              amount="100000", security_kind="insurance", security_amount="100000")
    assert pres.details["fee"] == "1020.00"
    with pytest.raises(applications.MissingDetail):
        applications.apply(case, defendant, "appraisal", "质量有争议", "a4")
    applications.apply(case, defendant, "appraisal", "质量有争议", "a5", subject="输送带质量", field="产品质量")
    with pytest.raises(NotAllowed):  # only the plaintiff withdraws
        applications.apply(case, defendant, "withdraw", "不想打了", "a6")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CaseApplication)) == 3


def test_no_application_on_a_closed_case(db, world):
    case, judge, clerk, defendant = world
    lifecycle.transition(case, "close", judge, reason="dismissed")
    db.session.commit()
    with pytest.raises(applications.CaseNotOpen):
        applications.apply(case, defendant, "appraisal", "质量", "z", subject="质量")


def test_the_judge_decides_with_reasons_the_decision_is_served_and_a_withdrawal_gets_its_ruling(db, world):
    case, judge, clerk, defendant = world
    plaintiff = case.parties[0].user
    # The plaintiff consents to e-service, signed in with their own number: it is their service address.
    e_service.record_consent(case, case.parties[0], plaintiff, "explicit")
    app_ = applications.apply(case, plaintiff, "withdraw", "双方已和解", "w1")
    db.session.commit()
    with pytest.raises(NotAllowed):
        applications.decide(app_, clerk, True, "同意")
    with pytest.raises(applications.ReasonRequired):
        applications.decide(app_, judge, True, " ")
    ruling = applications.decide(app_, judge, True, "原告申请撤诉，符合法律规定。")
    db.session.commit()
    assert app_.state == "granted" and app_.decision_file is not None
    assert ruling.ruling_type == "withdrawal" and ruling.application_id == app_.id and ruling.state == "draft"
    from app.models import ServiceOfDocument
    served = db.session.scalars(select(ServiceOfDocument).where(ServiceOfDocument.file_id == app_.decision_file_id)).all()
    assert [s.party_id for s in served] == [app_.party_id]
    court_documents.sign_as_judge(ruling, judge, court_documents.current_hash(ruling))
    court_documents.countersign_and_issue(ruling, clerk, ruling.content_hash)
    db.session.commit()
    assert db.session.get(Case, case.id).state == "suit_withdrawn"
    assert db.session.get(CourtDocument, ruling.id).state == "issued"


def test_a_lawyer_withdraws_or_settles_only_with_special_authority_on_record(db, world, make_user):
    """#18 item 5: CPL art. 62."""
    from tests.services.documents_helpers import drawn_png, face_session
    from app.services import signatures
    case, judge, clerk, defendant = world
    lawyer = make_user("lawyer")
    plaintiff = case.parties[0]
    plaintiff.lawyer_id = lawyer.id
    db.session.commit()
    with pytest.raises(applications.SpecialAuthorityRequired):
        applications.apply(case, lawyer, "withdraw", "和解", "l1")
    with pytest.raises(applications.SpecialAuthorityRequired):
        mediation.request_withdrawal(case, lawyer, "和解")
    signatures.save_signature(lawyer, drawn_png())
    agreement = mediation.draft_terms(case, judge, amount="1000", payer=case.parties[1], payee=plaintiff,
                                      notify=False)
    db.session.commit()
    with pytest.raises(applications.SpecialAuthorityRequired):
        mediation.confirm(agreement, lawyer, face_session(lawyer), agreement.current.terms_hash)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        applications.record_special_authority(case, plaintiff, lawyer)
    applications.record_special_authority(case, plaintiff, clerk)
    db.session.commit()
    assert applications.apply(case, lawyer, "withdraw", "和解", "l2").state == "pending"
    mediation.confirm(agreement, lawyer, face_session(lawyer), agreement.current.terms_hash)
