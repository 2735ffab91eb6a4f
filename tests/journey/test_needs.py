"""What needs me: the list at the top of a litigant's home (issue #14, item 10)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import utcnow
from app.services import hearings as svc
from tests.services.test_hearings import build_room


@pytest.fixture
def demo(db):
    from app import demo as demo_module
    demo_module.seed()
    db.session.commit()


def _user(db, name):
    from app.models import User
    return db.session.scalar(select(User).where(User.name == name))


def test_home_lists_an_item_due_with_its_deadline_and_one_tap_to_it(client, auth, db, make_user, make_case,
                                                                      make_court):
    r = build_room(db, make_user, make_case, make_court)
    item = svc.post_item(r.hearing, r.judge, "请提交送货单原件照片", parties=[r.d_party],
                         deadline=utcnow() + timedelta(days=2))
    db.session.commit()
    auth.login(r.defendant)
    client.set_cookie("lang", "zh")
    html = client.get("/").get_data(as_text=True)
    needs = html[html.index('id="needs"'):html.index("</section>")]
    url = f"/cases/{r.case.id}/hearings/{r.hearing.id}/items/{item.id}"
    assert f'href="{url}"' in needs and "请提交送货单" in needs and "第1项" in needs
    assert html.index('id="needs"') < html.index('id="cases"')
    # answered: it leaves the list
    svc.answer_item(item, r.defendant, "已提交")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert url not in html


def _needs_section(c):
    html = c.get("/").get_data(as_text=True)
    return html[html.index('id="needs"'):html.index("</section>")]


def test_demo_people_see_what_waits_for_them(db, demo, make_client, auth):
    seen = {}
    for name in ("王芳", "陈强", "刘洋", "outsider赵六"):
        c = make_client()
        auth.login(_user(db, name), c=c)
        c.set_cookie("lang", "zh")
        seen[name] = _needs_section(c)
    assert "请被告对原告提交的证据1发表质证意见" in seen["陈强"] and "第2项" in seen["陈强"]
    assert "补正" in seen["刘洋"] and "#correction" in seen["刘洋"]   # the lawyer filed the enforcement case
    assert "请原告提交购销合同" not in seen["王芳"]                      # answered already
    assert "<li>" not in seen["outsider赵六"] and "目前没有需要您处理的事项" in seen["outsider赵六"]


def test_a_joined_defendant_no_longer_sees_join(client, auth, db, make_user, make_case):
    from app.services import filing
    defendant = make_user("litigant", phone="13912345678")
    case = make_case()
    case.parties.append(type(case.parties[0])(role="defendant", name="被告", phone="13912345678"))
    db.session.commit()
    auth.login(defendant, face=True)
    client.set_cookie("lang", "zh")
    assert f"/filings/{case.filing_ref}/join" in client.get("/").get_data(as_text=True)
    assert client.get(f"/filings/{case.filing_ref}/join").status_code == 200
    filing.join_case(case, defendant, online=True, e_service=True)
    db.session.commit()
    assert f"/filings/{case.filing_ref}/join" not in client.get("/").get_data(as_text=True)
    page = client.get(f"/filings/{case.filing_ref}")
    assert page.status_code == 200 and f"/filings/{case.filing_ref}/join" not in page.get_data(as_text=True)


def test_a_corrected_item_shows_done(client, auth, db, demo):
    from app.models import Case
    from app.services import filing
    case = db.session.scalar(select(Case).where(Case.filing_ref == "LA2026-DEMO03"))
    lawyer = _user(db, "刘洋")
    auth.login(lawyer)
    client.set_cookie("lang", "zh")
    section = lambda: (lambda h: h[h.index('id="correction"'):h.index("</section>", h.index('id="correction"'))])(  # noqa: E731
        client.get(f"/filings/{case.filing_ref}").get_data(as_text=True))
    assert section().count('class="tag done"') == 0
    filing.update_filing(case, lawyer, title=case.title, claims="请求判令被执行人支付借款本金及利息。", facts=case.facts,
                         amount=str(case.amount), kind=case.kind)
    db.session.commit()
    assert section().count('class="tag done"') == 1
