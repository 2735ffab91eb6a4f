"""Court administration by the court's administrator: settings and staff, every change audited."""
import pytest

from app.models import User
from app.models.workbench import AdminChange


@pytest.fixture
def admin(make_user, make_court):
    court = make_court(name="上海市黄浦区人民法院", code="沪0101")
    return make_user("admin", court=court)


def test_admin_changes_the_court_and_each_change_is_audited(client, db, auth, admin, make_case):
    auth.login(admin)
    client.set_cookie("lang", "en")
    assert client.get("/admin/").status_code == 200
    resp = client.post("/admin/court", data={"name": "上海市黄浦区人民法院", "code": "沪0102", "id_card_enrolment": "1"})
    assert resp.status_code == 302
    court = db.session.get(type(admin.court), admin.court_id)
    assert court.code == "沪0102" and court.id_card_enrolment is True
    rows = db.session.query(AdminChange).order_by(AdminChange.id).all()
    assert [(r.field, r.old, r.new, r.actor_id) for r in rows] == [("code", "沪0101", "沪0102", admin.id),
                                                                  ("id_card_enrolment", "False", "True", admin.id)]
    page = client.get("/admin/").get_data(as_text=True)
    assert "Saved: 2 changes." in page and "沪0101 → 沪0102" in page


@pytest.mark.parametrize("code", ["", "0101", "shanghai", "沪0101<script>", "沪" * 5 + "1"])
def test_nonsense_court_codes_are_refused_and_nothing_changes(client, db, auth, admin, code):
    auth.login(admin)
    client.set_cookie("lang", "en")
    client.post("/admin/court", data={"name": "某法院", "code": code})
    assert db.session.get(type(admin.court), admin.court_id).code == "沪0101"
    assert db.session.query(AdminChange).count() == 0
    assert "A court code is" in client.get("/admin/").get_data(as_text=True)


def test_admin_adds_and_stops_a_judge(client, db, auth, admin, make_user):
    auth.login(admin)
    client.set_cookie("lang", "en")
    bad = client.post("/admin/staff", data={"role": "judge", "name": "周法官", "username": "zhou", "password": "short"})
    assert bad.status_code == 400 and 'value="zhou"' in bad.get_data(as_text=True)  # what was typed is kept
    ok = client.post("/admin/staff", data={"role": "judge", "name": "周法官", "username": "zhou",
                                           "password": "a-long-password"})
    assert ok.status_code == 302
    judge = db.session.query(User).filter_by(username="zhou").one()
    assert judge.role == "judge" and judge.court_id == admin.court_id and judge.check_password("a-long-password")
    again = client.post("/admin/staff", data={"role": "judge", "name": "周法官", "username": "zhou",
                                              "password": "a-long-password"})
    assert again.status_code == 400 and db.session.query(User).filter_by(username="zhou").count() == 1
    client.post(f"/admin/staff/{judge.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.get(User, judge.id).active is False
    assert [r.field for r in db.session.query(AdminChange).order_by(AdminChange.id)] == ["created", "active"]
    # an admin cannot create admins nor touch another court's staff
    client.post("/admin/staff", data={"role": "admin", "name": "x", "username": "xadmin", "password": "a-long-password"})
    assert db.session.query(User).filter_by(username="xadmin").count() == 0
    other = make_user("judge")
    assert client.post(f"/admin/staff/{other.id}/active", data={"active": "0"}).status_code == 404


def test_only_the_courts_admin_administers(client, db, auth, admin, make_user):
    for someone in (make_user("judge", court=admin.court), make_user("clerk", court=admin.court), make_user()):
        auth.login(someone)
        assert client.get("/admin/").status_code == 404
        assert client.post("/admin/court", data={"name": "x", "code": "沪9"}).status_code == 404
        auth.logout()
