

def room_urls(hearing):
    """URL prefixes of a hearing room, built once per request: a page of 50 messages would
    otherwise call url_for a few hundred times (a third of the page's CPU)."""
    from flask import g, url_for
    cache = g.setdefault("_room_urls", {})
    if hearing.id not in cache:
        thread = url_for("hearings.thread", case_id=hearing.case_id, hid=hearing.id)
        cache[hearing.id] = {"thread": thread, "items": thread + "/items/", "evidence": thread + "/evidence/"}
    return cache[hearing.id]
