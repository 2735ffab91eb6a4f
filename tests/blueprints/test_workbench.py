"""The workbench (工作台): what needs a judge or clerk today, per court, with filters and paging."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.models import utcnow
from app.models.filing import CorrectionRequest
from app.models.hearing import HearingParticipant
from app.models.identity import ClerkReview
from app.services import court_time, filing, hearings
from app.services import workbench as wb
from tests.blueprints.test_review import submitted
from tests.services.test_filing import valid_id
from tests.services.test_hearings import build_room


@pytest.fixture
def room(db, make_user, make_case, make_court):
    return build_room(db, make_user, make_case, make_court)


def item(room, text="请提交证据", deadline=None, now=None):
    deadline = deadline or court_time.end_of_day(court_time.today() + timedelta(days=3))
    it = hearings.post_item(room.hearing, room.judge, text, parties=[room.d_party], deadline=deadline, now=now)
    return it


def section_of(page, key):
    return page.split(f'section={key}"', 1)[1].split("</li>", 1)[0]


def count_in(page, key):
    return int(re.search(r"<b>(\d+)</b>", section_of(page, key)).group(1))


def test_filings_waiting_show_days_and_registration_deadline_only_this_court(client, db, auth, make_user,
                                                                             make_court):
    court = make_court()
    judge = make_user("judge", court=court)
    filer = make_user("litigant")
    filer.id_number = valid_id()
    db.session.commit()
    case = submitted(db, court, filer)
    case.submitted_at = utcnow() - timedelta(days=4)
    db.session.commit()
    from tests.services.test_filing import complete_draft
    draft = complete_draft(db, court, filer)  # never the court's business while unsubmitted
    elsewhere = submitted(db, make_court(), filer)
    auth.login(judge)
    client.set_cookie("lang", "en")
    page = client.get("/workbench/").get_data(as_text=True)
    assert case.title in page and f"/review/{case.filing_ref}" in page
    assert "4 days" in page and court_time.format_deadline(court_time.end_of_day(case.registration_due_on)) in page
    assert f"/review/{draft.filing_ref}" not in page and f"/review/{elsewhere.filing_ref}" not in page
    assert count_in(page, "filings") == 1


def test_staff_home_is_the_workbench_and_the_case_list_stays_reachable(client, db, auth, room):
    auth.login(room.judge)
    home = client.get("/").get_data(as_text=True)
    assert 'id="today"' in home and "/?page=1" in home
    cases = client.get("/?page=1").get_data(as_text=True)
    assert room.case.number in cases


def test_litigants_and_admins_get_no_workbench(client, db, auth, room, make_user):
    auth.login(room.plaintiff)
    assert client.get("/workbench/").status_code == 404
    auth.logout()
    auth.login(make_user("admin", court=room.court))
    assert client.get("/workbench/").status_code == 404


def test_items_overdue_and_answered_since_i_last_looked(client, db, auth, room):
    past = utcnow() - timedelta(days=5)
    late = item(room, "逾期事项", deadline=past + timedelta(days=1), now=past)
    answered = item(room, "已答复事项")
    db.session.commit()
    auth.login(room.judge)
    page = client.get("/workbench/").get_data(as_text=True)
    assert count_in(page, "items_overdue") == 1 and count_in(page, "items_answered") == 0
    assert "overdue" in page and f"/cases/{room.case.id}/hearings/{room.hearing.id}" in page

    hearings.answer_item(answered, room.defendant, "证据已上传")
    db.session.commit()
    page = client.get("/workbench/").get_data(as_text=True)
    assert count_in(page, "items_answered") == 1
    # the judge opens the room afterwards: the answer is no longer news
    me = db.session.query(HearingParticipant).filter_by(hearing_id=room.hearing.id, user_id=room.judge.id).one()
    me.last_seen_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    page = client.get("/workbench/").get_data(as_text=True)
    assert count_in(page, "items_answered") == 0
    # answering the overdue item takes it off the overdue list
    hearings.answer_item(late, room.defendant, "迟到的答复")
    db.session.commit()
    assert count_in(client.get("/workbench/").get_data(as_text=True), "items_overdue") == 0


def test_corrections_running_out_and_clerk_reviews_and_extensions(client, db, auth, room, make_user):
    filer = make_user("litigant")
    filer.id_number = valid_id()
    db.session.commit()
    case = submitted(db, room.court, filer)
    filing.request_correction(case, room.clerk, [{"kind": "other", "target": "", "note": "补充证据"}], days=2)
    far = submitted(db, room.court, filer)
    filing.request_correction(far, room.clerk, [{"kind": "other", "target": "", "note": "补充证据"}], days=15)
    db.session.add(ClerkReview(user_id=room.defendant.id, case_id=room.case.id, reason="failures"))
    it = item(room)
    db.session.commit()
    hearings.request_extension(it, room.defendant, "需要更多时间")
    db.session.commit()
    auth.login(room.clerk)
    page = client.get("/workbench/").get_data(as_text=True)
    assert count_in(page, "corrections") == 1 and f"/review/{case.filing_ref}" in page
    assert f"/review/{far.filing_ref}" not in page
    assert count_in(page, "identity") == 1 and count_in(page, "extensions") == 1


def test_filters_sorting_and_htmx_fragment(client, htmx, db, auth, room, make_user):
    filer = make_user("litigant")
    filer.id_number = valid_id()
    db.session.commit()
    civil = submitted(db, room.court, filer)
    enforcement = submitted(db, room.court, filer, kind="enforcement")
    auth.login(room.judge)
    client.set_cookie("lang", "en")
    only = client.get("/workbench/?kind=enforcement").get_data(as_text=True)
    assert f"/review/{enforcement.filing_ref}" in only and f"/review/{civil.filing_ref}" not in only
    mine = client.get("/workbench/?mine=1&section=filings").get_data(as_text=True)
    assert "Nothing waits for you." in mine  # neither filing has a judge in charge yet
    by_case = client.get("/workbench/?sort=case").get_data(as_text=True)
    assert by_case.index(f"/review/{civil.filing_ref}") < by_case.index(f"/review/{enforcement.filing_ref}")
    frag = htmx.get("/workbench/?section=filings")
    body = frag.get_data(as_text=True)
    assert frag.status_code == 200 and body.startswith('<div id="today"') and "<html" not in body
    assert 'hx-trigger="every 60s"' in body and "HX-Request" in frag.headers["Vary"]


@pytest.mark.parametrize("args", ["section=nonsense", "kind=criminal", "sort=%27%3Bdrop", "mine=yes",
                                  "page=-1", "page=abc", "page=99999999999"])
def test_nonsense_filters_get_a_clear_message_and_the_page(client, db, auth, room, args):
    auth.login(room.judge)
    client.set_cookie("lang", "en")
    resp = client.get(f"/workbench/?{args}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'role="alert"' in body and 'id="today"' in body


def test_a_page_past_the_end_goes_to_the_last_page(client, db, auth, room):
    auth.login(room.judge)
    client.set_cookie("lang", "en")
    resp = client.get("/workbench/?page=7&sort=waiting")
    assert resp.status_code == 302 and "page" not in resp.location and "sort=waiting" in resp.location
    assert "There is no page 7; the last page is 1." in client.get(resp.location).get_data(as_text=True)


def test_queries_do_not_grow_with_the_court(client, db, auth, room, make_user, app):
    filer = make_user("litigant")
    filer.id_number = valid_id()
    db.session.commit()

    def queries():
        seen = []

        def count(*a):
            seen.append(1)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/workbench/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)
    auth.login(room.judge)
    submitted(db, room.court, filer)
    item(room)
    few = queries()
    for _ in range(6):
        submitted(db, room.court, filer)
    many = queries()
    assert many == few


def test_sections_are_a_registry_others_plug_into(db, room):
    import sqlalchemy as sa
    from app.models import Case

    def fees(scope):
        return scope.cases(sa.select(Case.id.label("case_id"), sa.null().label("target_id"), sa.literal(2).label("n"),
                                     Case.created_at.label("since"), sa.null().label("due")))
    try:
        wb.register(wb.Section("fees_test", "Fees unpaid", fees, lambda row, case: "/"))
        rows, counts = wb.collect(room.judge, section="fees_test")
        assert counts["fees_test"] == (1, 2) and [r.case_id for r in rows] == [room.case.id]
    finally:
        wb.SECTIONS[:] = [s for s in wb.SECTIONS if s.key != "fees_test"]


# --- the court's case page -------------------------------------------------------------------

def test_case_page_shows_parties_time_limit_hearings_and_timeline_in_words(client, db, auth, room):
    from app.services import consent as consent_service
    room.case.accepted_at = utcnow() - timedelta(days=10)
    consent_service.record_consent(room.case, room.p_party, "e_service", True, room.plaintiff, address="13900000001")
    it = item(room, "请提交借条原件")
    db.session.commit()
    hearings.record_procedure(room.hearing, room.judge, "small_claims")
    db.session.commit()
    auth.login(room.judge)
    client.set_cookie("lang", "en")
    page = client.get(f"/workbench/cases/{room.case.id}").get_data(as_text=True)
    assert room.p_party.name in page and room.d_party.name in page and room.d_party.phone in page
    assert "electronic service (13900000001)" in page and "No face reference" in page
    # 审限: small claims, 2 months from acceptance
    start = court_time.today(room.case.accepted_at)
    last = court_time.add_months(start, 2)
    assert f"last day {last.isoformat()}" in page and f"{(last - court_time.today()).days} days left" in page
    assert "Hearing opened" in page and "The court posted a litigation item" in page and "hearing_opened" not in page
    assert f"/hearings/{room.hearing.id}/items/{it.id}" in page and "1 open items" in page
    # the acts open to a judge; a clerk also gets identity reviews
    assert "Open a hearing" in page and "Serve a document" in page and "Identity reviews" not in page
    auth.logout()
    auth.login(room.clerk)
    assert "Identity reviews" in client.get(f"/workbench/cases/{room.case.id}").get_data(as_text=True)


def test_case_page_is_for_this_courts_judges_and_clerks_only(client, db, auth, room, make_user, make_case):
    other_court_judge = make_user("judge")
    for outsider in (room.plaintiff, room.outsider, other_court_judge, make_user("admin", court=room.court)):
        auth.login(outsider)
        assert client.get(f"/workbench/cases/{room.case.id}").status_code == 404
        auth.logout()
    draft = make_case(court=room.court, state="draft", number=False)
    auth.login(room.judge)
    assert client.get(f"/workbench/cases/{draft.id}").status_code == 404
    assert client.get("/workbench/cases/99999999999").status_code == 404


def test_time_limit_counts_months_to_the_corresponding_day():
    from datetime import date
    assert court_time.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert court_time.add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert court_time.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


# --- bulk acts -------------------------------------------------------------------------------

@pytest.fixture
def series(db, room, make_user, make_case):
    """Three more wage claims in the judge's court, each with its own worker and the same employer."""
    employer = make_user("litigant", name="某建筑公司")
    cases = [room.case] + [make_case(court=room.court, filer=make_user("litigant", name=f"工人{n}"),
                                     defendant=employer) for n in range(3)]
    return cases


def bulk_form(client, **data):
    page = client.get("/workbench/bulk").get_data(as_text=True)
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    return {"key": key, "purpose": "evidence_exchange", "title": "欠薪系列案证据交换", "side": "defendant",
            "items": "请提交工资发放记录\n\n请说明考勤情况",
            "deadline": (court_time.today() + timedelta(days=5)).isoformat(), "act": "open_series", **data}


def test_open_a_series_with_the_same_items_once_even_if_sent_twice(client, db, auth, room, series):
    from app.models.hearing import Hearing, HearingItem
    auth.login(room.judge)
    client.set_cookie("lang", "en")
    data = bulk_form(client, numbers="\n".join(c.case_number for c in series[:2]), case=[str(series[2].id),
                                                                                           str(series[3].id)])
    resp = client.post("/workbench/bulk", data=data)
    assert resp.status_code == 302
    assert "Hearings opened in 4 cases, 8 items posted." in client.get("/workbench/").get_data(as_text=True)
    for case in series:
        hs = db.session.query(Hearing).filter_by(case_id=case.id, title="欠薪系列案证据交换").all()
        assert len(hs) == 1
        its = db.session.query(HearingItem).filter_by(hearing_id=hs[0].id).all()
        assert sorted(i.text for i in its) == ["请提交工资发放记录", "请说明考勤情况"]
        assert all(a.party.role == "defendant" for i in its for a in i.addressees)
    again = client.post("/workbench/bulk", data=data)  # a second tap of the same form
    assert again.status_code == 302
    assert db.session.query(Hearing).filter_by(title="欠薪系列案证据交换").count() == 4


def test_a_series_with_a_case_the_user_may_not_touch_does_nothing_and_says_which(client, db, auth, room, series,
                                                                                 make_case, make_user):
    from app.models.hearing import Hearing
    elsewhere = make_case(defendant=make_user("litigant"))  # another court
    lonely = make_case(court=room.court)  # no defendant to address
    auth.login(room.judge)
    client.set_cookie("lang", "en")
    data = bulk_form(client, case=[str(series[1].id), str(elsewhere.id), str(lonely.id)],
                     numbers=f"{series[2].case_number}\n(2026)沪9999民初1号")
    resp = client.post("/workbench/bulk", data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Nothing was done: 3 problems" in body
    failed = body.split('id="failures"', 1)[1].split("</ul>", 1)[0]
    assert f"#{elsewhere.id}" in failed and "(2026)沪9999民初1号" in failed and lonely.case_number in failed
    assert series[1].case_number not in failed and elsewhere.case_number not in body  # no hint about the other court
    assert db.session.query(Hearing).filter_by(title="欠薪系列案证据交换").count() == 0
    assert "请说明考勤情况" in body  # what was typed is kept


def test_serve_one_document_to_many_parties(client, db, auth, room, series):
    from app.models.service import ServiceOfDocument
    from app.services import e_service
    from tests.services.test_filing import PDF
    import io
    for case in series[1:]:
        for party in case.parties:
            e_service.record_consent(case, party, room.clerk, "explicit", address=party.phone)
    # The clerk records each number as confirmed in person (the court's own 送达地址确认).
    for case in series[1:]:
        for row in e_service.addresses_for(case, room.clerk):
            e_service.confirm_address_in_person(row, room.clerk, "身份证已核对，号码当面复述无误")
    db.session.commit()
    auth.login(room.clerk)
    client.set_cookie("lang", "en")

    def send(cases):
        data = bulk_form(client, act="serve", kind="notice", doc_title="开庭通知", serve_side="all",
                         case=[str(c.id) for c in cases])
        data["upload"] = (io.BytesIO(PDF), "通知.pdf")
        return client.post("/workbench/bulk", data=data, content_type="multipart/form-data")
    # room.case has no consent to e-service: nothing is served, and it says which parties
    refused = send(series)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and f"{room.case.case_number} · {room.p_party.name}" in body
    assert db.session.query(ServiceOfDocument).count() == 0
    assert send(series[1:]).status_code == 302
    assert db.session.query(ServiceOfDocument).count() == 6  # 3 cases × (worker + employer)


def test_bulk_is_for_court_judges_and_clerks(client, db, auth, room):
    auth.login(room.plaintiff)
    assert client.get("/workbench/bulk").status_code == 404
    assert client.post("/workbench/bulk", data={"act": "open_series", "key": "x"}).status_code == 404


# --- statistics ------------------------------------------------------------------------------

def test_statistics_page_and_csv(client, db, auth, room, make_case):
    now = utcnow()
    past = now - timedelta(days=200)
    room.case.accepted_at = past
    db.session.commit()
    item(room, "逾期未答", deadline=past + timedelta(days=3), now=past)
    a = make_case(court=room.court, state="accepted")
    a.submitted_at, a.accepted_at, a.judge_id = now - timedelta(days=10), now - timedelta(days=6), room.judge.id
    b = make_case(court=room.court, state="mediated")
    b.submitted_at, b.accepted_at, b.judge_id = now - timedelta(days=20), now - timedelta(days=18), room.judge.id
    b.updated_at = now - timedelta(days=8)
    c = make_case(court=room.court, state="submitted", number=False)
    c.submitted_at, c.registration_due_on = now - timedelta(days=3), court_time.today() - timedelta(days=1)
    db.session.commit()
    hearings.open_hearing(a, room.judge, purpose="talk")
    db.session.commit()
    auth.login(room.judge)
    client.set_cookie("lang", "en")
    page = client.get("/workbench/stats").get_data(as_text=True)
    assert "<dd>3.0</dd>" in page and "<dd>10.0</dd>" in page and "<dd>50 %</dd>" in page
    assert "Filings past their registration deadline</dt><dd>1</dd>" in page.replace("\n", "")
    csv_resp = client.get("/workbench/stats.csv?weeks=4")
    text = csv_resp.get_data(as_text=True)
    assert csv_resp.headers["Content-Type"].startswith("text/csv") and "attachment" in csv_resp.headers[
        "Content-Disposition"]
    lines = text.lstrip("\ufeff").splitlines()
    weeks = [line.split(",") for line in lines[1:5]]
    assert len(weeks) == 4 and sum(int(w[1]) for w in weeks) == 3 and sum(int(w[2]) for w in weeks) == 2
    assert sum(int(w[3]) for w in weeks) == 1
    assert f"{room.judge.name},2,1,1" in lines  # open cases, items overdue, past the 审限
    assert client.get("/workbench/stats?weeks=0").status_code == 400
    assert client.get("/workbench/stats.csv?weeks=abc").status_code == 400


def test_statistics_are_for_court_staff_only(client, db, auth, room, make_user):
    auth.login(room.plaintiff)
    assert client.get("/workbench/stats").status_code == 404
    assert client.get("/workbench/stats.csv").status_code == 404


# --- keyboard and print ----------------------------------------------------------------------

def test_case_page_steps_to_the_next_and_previous_case_of_the_list(client, db, auth, room, make_user):
    filer = make_user("litigant")
    filer.id_number = valid_id()
    db.session.commit()
    cases = [submitted(db, room.court, filer) for _ in range(3)]
    auth.login(room.judge)
    today = client.get("/workbench/?section=filings&sort=case").get_data(as_text=True)
    first = f'/workbench/cases/{cases[0].id}?section=filings&amp;sort=case" accesskey="1"'
    assert first in today
    middle = client.get(f"/workbench/cases/{cases[1].id}?section=filings&sort=case").get_data(as_text=True)
    assert f'/workbench/cases/{cases[0].id}?section=filings&amp;sort=case" rel="prev" accesskey="p"' in middle
    assert f'/workbench/cases/{cases[2].id}?section=filings&amp;sort=case" rel="next" accesskey="n"' in middle
    last = client.get(f"/workbench/cases/{cases[2].id}?section=filings&sort=case").get_data(as_text=True)
    assert 'accesskey="n"' not in last and 'accesskey="h"' in last


def test_hearing_buttons_have_access_keys_and_pages_print_without_chrome(client, db, auth, room):
    auth.login(room.judge)
    thread = client.get(f"/cases/{room.case.id}/hearings/{room.hearing.id}").get_data(as_text=True)
    assert 'accesskey="s"' in thread and 'accesskey="i"' in thread
    css = client.get("/static/style.css").get_data(as_text=True)
    assert "@media print" in css and ".noprint" in css.split("@media print", 1)[1]


def test_answers_marked_read_leave_the_list_until_a_new_answer(client, db, auth, room, make_user):
    first, second = item(room, "第一项"), item(room, "第二项")
    db.session.commit()
    hearings.answer_item(first, room.defendant, "答复一")
    db.session.commit()
    auth.login(room.clerk)
    assert count_in(client.get("/workbench/").get_data(as_text=True), "items_answered") == 1
    resp = client.post(f"/workbench/hearings/{room.hearing.id}/seen", data={"back": "/workbench/?sort=case"})
    assert resp.status_code == 302 and resp.location == "/workbench/?sort=case"
    assert count_in(client.get("/workbench/").get_data(as_text=True), "items_answered") == 0
    hearings.answer_item(second, room.defendant, "答复二")
    db.session.commit()
    assert count_in(client.get("/workbench/").get_data(as_text=True), "items_answered") == 1
    # an outsider's court cannot mark it, and a foreign "back" never leaves the workbench
    assert client.post(f"/workbench/hearings/{room.hearing.id}/seen", data={"back": "//evil.example/"}).location \
        == "/workbench/"
    auth.logout()
    auth.login(make_user("judge"))
    assert client.post(f"/workbench/hearings/{room.hearing.id}/seen").status_code == 404


def test_clerk_reviews_about_a_draft_stay_off_the_workbench(client, db, auth, room, make_case):
    draft = make_case(court=room.court, state="draft", number=False)
    db.session.add(ClerkReview(user_id=room.defendant.id, case_id=draft.id, reason="failures"))
    db.session.commit()
    auth.login(room.clerk)
    assert count_in(client.get("/workbench/").get_data(as_text=True), "identity") == 0
