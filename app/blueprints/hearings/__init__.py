

from app.services.item_numbers import item_no  # noqa: F401  (a template global of the room)


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
