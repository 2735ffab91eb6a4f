"""The dossier log: records bound at commit, verified against rows, files and signed checkpoints."""
from sqlalchemy import func, select

from app.models import DossierLeaf, utcnow


def test_demo_court_is_fully_logged_and_intact(db):
    from app import demo
    from app.services import dossier
    demo.seed(None)
    db.session.commit()
    assert dossier.unlogged() == {}
    kinds = set(db.session.scalars(select(DossierLeaf.kind).distinct()))
    assert {"file", "case_number", "event", "filing_version", "message", "exhibit", "signature",
            "signature_application", "transcript_version", "agreement",
            "property_clue", "clue_action", "ledger_entry"} <= kinds, kinds  # enforcement records too
    assert dossier.verify() == []
    dossier.sign_checkpoints()
    db.session.commit()
    assert dossier.verify() == []


def _note(db, case, text_):
    from app.services.events import record_event
    return record_event(case, None, "note", text=text_)


def test_a_savepoint_rollback_keeps_the_leaves_of_the_enclosing_transaction(db, make_case):
    from app.services import dossier
    case = make_case()
    kept = _note(db, case, "保留")
    savepoint = db.session.begin_nested()
    _note(db, case, "撤回")
    savepoint.rollback()
    db.session.commit()
    assert dossier.leaf_for("event", kept.id) is not None
    assert dossier.unlogged() == {} and dossier.verify(case.id) == []


def test_a_rolled_back_transaction_logs_nothing(db, make_case):
    from app.services import dossier
    case = make_case()
    before = db.session.scalar(select(func.count()).select_from(DossierLeaf))
    _note(db, case, "作废")
    db.session.rollback()
    _note(db, case, "新的")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(DossierLeaf)) == before + 1
    assert dossier.verify(case.id) == []


def test_an_idempotent_core_insert_is_logged(db, make_case, make_user):
    """Messages posted with an idempotency key go through INSERT … ON CONFLICT DO NOTHING RETURNING id."""
    from app.services import dossier, hearings
    judge = make_user("judge")
    case = make_case(court=judge.court)
    hearing = hearings.open_hearing(case, judge, purpose="talk", mode="async", title="谈话")
    db.session.commit()
    msg = hearings.post_message(hearing, judge, "请双方提交证据。", key="k-1")
    db.session.commit()
    again = hearings.post_message(hearing, judge, "请双方提交证据。", key="k-1")
    db.session.commit()
    assert again.id == msg.id
    assert dossier.leaf_for("message", msg.id) is not None
    assert dossier.unlogged() == {} and dossier.verify(case.id) == []


def test_items_extensions_deadlines_and_service_stay_intact_through_their_lifecycle(db, make_user, make_case,
                                                                                     make_court):
    """The kinds the demo does not reach: every later step of their life (answers, decisions,
    receipts, certificates) leaves what was logged unchanged."""
    from datetime import timedelta

    from app.services import court_time, dossier, e_service, hearings as svc, storage
    from tests.services.test_hearings import build_room
    room = build_room(db, make_user, make_case, make_court)
    item = svc.post_item(room.hearing, room.judge, "请提交送货单。", parties=[room.d_party],
                         deadline=utcnow() + timedelta(days=1))
    db.session.commit()
    req = svc.request_extension(item, room.defendant, "单据在外地")
    db.session.commit()
    svc.decide_extension(req, room.judge, True, court_time.deadline_at(court_time.today() + timedelta(days=7)))
    db.session.commit()
    svc.answer_item(item, room.defendant, "已提交。")
    svc.close_item(item, room.judge)
    db.session.commit()
    party = room.d_party  # no lawyer: the defendant is served, at the number they sign in with
    doc = storage.save_bytes(b"%PDF-1.4 notice", name="通知书.pdf", content_type="application/pdf", case=room.case)
    e_service.record_consent(room.case, party, party.user, "explicit")  # signed in with their own number
    service = e_service.serve(room.case, party, room.judge, stored_file=doc, kind="notice", title="开庭通知书")
    db.session.commit()
    e_service.acknowledge(service, party.user)
    db.session.commit()
    kinds = set(db.session.scalars(select(DossierLeaf.kind).where(DossierLeaf.case_id == room.case.id)))
    assert {"item", "extension_request", "extension_decision", "deadline_change", "message", "service",
            "service_certificate"} <= kinds, kinds
    assert dossier.unlogged() == {}
    assert dossier.verify(room.case.id) == []


def test_the_whole_cases_records_are_logged_once_ready_and_stay_intact(db, make_user, make_court, make_case):
    """#18 records: an application and its decision, the withdrawal ruling once issued, its certificate of
    effect once served and received, a message to the court."""
    from app.services import applications, case_channel, court_documents as docs, dossier, e_service
    from app.services.court_time import today
    court = make_court()
    judge, clerk = make_user("judge", court=court), make_user("clerk", court=court)
    case = make_case(court=court, defendant=make_user("litigant"), state="hearing")
    case.judge_id = judge.id
    for party in case.parties:
        e_service.record_consent(case, party, party.user, "explicit")
    plaintiff = case.parties[0].user
    case_channel.post(case, plaintiff, "请问何时开庭？", "k1")
    application = applications.apply(case, plaintiff, "withdraw", "双方已和解", "w1")
    db.session.commit()
    assert dossier.leaf_for("application", application.id) is not None
    assert dossier.leaf_for("application_decision", application.id) is None  # not decided yet
    ruling = applications.decide(application, judge, True, "原告申请撤诉，符合法律规定。")
    db.session.commit()
    assert dossier.leaf_for("application_decision", application.id) is not None
    assert dossier.leaf_for("court_document", ruling.id) is None  # a draft is not in the dossier
    docs.sign_as_judge(ruling, judge, docs.current_hash(ruling))
    docs.countersign_and_issue(ruling, clerk, ruling.content_hash)
    db.session.commit()
    assert dossier.leaf_for("court_document", ruling.id) is not None
    docs.serve(ruling, clerk)
    for s in docs.services_of(ruling):
        e_service.acknowledge(s, s.recipient)
    db.session.commit()
    assert docs.sweep_effects(today()) == 1
    db.session.commit()
    kinds = set(db.session.scalars(select(DossierLeaf.kind).where(DossierLeaf.case_id == case.id)))
    assert {"case_message", "application", "application_decision", "court_document",
            "court_document_effect"} <= kinds, kinds
    assert dossier.unlogged() == {}
    assert dossier.verify(case.id) == []
