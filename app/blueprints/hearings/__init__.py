

def room_urls(hearing):
    """URL prefixes of a hearing room, built once per request: a page of 50 messages would
    otherwise call url_for a few hundred times (a third of the page's CPU)."""
    from types import SimpleNamespace
    from flask import g, url_for
    cache = g.setdefault("_room_urls", {})
    if hearing.id not in cache:
        thread = url_for("hearings.thread", case_id=hearing.case_id, hid=hearing.id)
        # A namespace, not a dict: in a template `u.items` of a dict is dict.items, a method, which once
        # rendered every item link as "<built-in method items ...>" (issue #14).
        cache[hearing.id] = SimpleNamespace(thread=thread, items=thread + "/items/", evidence=thread + "/evidence/")
    return cache[hearing.id]


def item_no(hearing_id, item_id):
    """The number a person sees for an item: its place among its hearing's items (第1项 is a
    hearing's first item), not the database id. One query per hearing per request."""
    from flask import g
    from sqlalchemy import select
    from app.extensions import db
    from app.models.hearing import HearingItem
    if item_id is None:
        return ""
    cache = g.setdefault("_item_numbers", {})
    numbers = cache.get(hearing_id)
    if numbers is None or item_id not in numbers:
        ids = db.session.scalars(select(HearingItem.id).where(HearingItem.hearing_id == hearing_id)
                                 .order_by(HearingItem.id)).all()
        numbers = cache[hearing_id] = {i: n for n, i in enumerate(ids, 1)}
    return numbers.get(item_id, item_id)
