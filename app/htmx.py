"""One helper decides page or fragment, so a page and its HTMX swap share one template."""
from flask import make_response, render_template, request


def wants_fragment():
    h = getattr(request, "htmx", None)
    return bool(h) and not h.boosted and not h.history_restore_request


def render(page, fragment=None, status=200, **context):
    """The fragment for an HTMX request, the full page otherwise; Vary: HX-Request on both."""
    template = fragment if (fragment and wants_fragment()) else page
    resp = make_response(render_template(template, **context), status)
    resp.vary.add("HX-Request")
    return resp
