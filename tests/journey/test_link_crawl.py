"""Every page of the demo, as every demo role: no broken link, no 404 or 500 (issue #14, item 1)."""
import pytest
from sqlalchemy import select

from tests.journey.crawl import crawl

ROLES = ["judge", "clerk", "王芳", "陈强", "刘洋", "outsider赵六"]


@pytest.fixture
def demo(db):
    from app import demo as demo_module
    demo_module.seed()
    db.session.commit()
    return demo_module


def _user(db, name):
    from app.models import User
    return db.session.scalar(select(User).where((User.username == name) | (User.name == name)))


@pytest.mark.parametrize("who", ROLES)
def test_every_link_of_the_demo_works(who, demo, db, make_client, auth):
    c = make_client()
    auth.login(_user(db, who), face=True, c=c)
    pages, bad = crawl(c)
    assert not bad, "\n".join(f"{src} -> {href}: {why}" for src, href, why in bad)
    assert len(pages) > 1
