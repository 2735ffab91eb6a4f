"""Item numbers as people see them: 第1项 is a hearing's first litigation item (诉讼事项)."""
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models.hearing import HearingItem


def item_no(hearing_id, item_id):
    """The number a person sees for an item: its place among its hearing's items (第1项 is a
    hearing's first item), not the database id. One query per hearing per request."""
    if item_id is None:
        return ""
    cache = g.setdefault("_item_numbers", {})
    numbers = cache.get(hearing_id)
    if numbers is None or item_id not in numbers:
        ids = db.session.scalars(select(HearingItem.id).where(HearingItem.hearing_id == hearing_id)
                                 .order_by(HearingItem.id)).all()
        numbers = cache[hearing_id] = {i: n for n, i in enumerate(ids, 1)}
    return numbers.get(item_id, item_id)
