"""Workbench routes: thin; the work lists come from app/services/workbench.py."""
from math import ceil

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.htmx import render
from app.labels import KIND_LABELS
from app.models.case import KINDS
from app.models.court import HEARING_STAFF
from app.services import workbench as svc

bp = Blueprint("workbench", __name__, url_prefix="/workbench")


def court_staff_only():
    """Judges and clerks of a court; anyone else sees nothing here."""
    if not (current_user.is_staff and current_user.role in HEARING_STAFF and current_user.court_id):
        abort(404)


def read_filters(args, sections):
    """The filters of the request, and a message for each value that makes no sense (that filter
    is then left out, so the page still shows everything else)."""
    keys = [s.key for s in sections]
    problems, f = [], {"section": "", "kind": "", "mine": "", "sort": "due", "page": 1}
    section = args.get("section", "")
    if section and section not in keys:
        problems.append(_("There is no list called “%(value)s”; showing all lists.", value=section[:40]))
    else:
        f["section"] = section
    kind = args.get("kind", "")
    if kind and kind not in KINDS:
        problems.append(_("“%(value)s” is not a kind of case; showing every kind.", value=kind[:40]))
    else:
        f["kind"] = kind
    mine = args.get("mine", "")
    if mine not in ("", "1"):
        problems.append(_("“%(value)s” is not a choice for “my cases only”; showing all cases.", value=mine[:40]))
    else:
        f["mine"] = mine
    sort = args.get("sort", "due")
    if sort not in svc.SORTS:
        problems.append(_("Cannot sort by “%(value)s”; sorted by deadline.", value=sort[:40]))
    else:
        f["sort"] = sort
    page = args.get("page", "1")
    if not page.isdigit() or not 0 < int(page) < 100_000:
        problems.append(_("“%(value)s” is not a page number; showing the first page.", value=page[:40]))
    else:
        f["page"] = int(page)
    return f, problems


@bp.route("/")
@login_required
def today():
    """What needs me today: counts per list and the waiting work, one row per case (or hearing)."""
    court_staff_only()
    sections = svc.sections_for(current_user)
    f, problems = read_filters(request.args, sections)
    rows, counts = svc.collect(current_user, section=f["section"] or None, kind=f["kind"] or None,
                               mine=f["mine"] == "1", sort=f["sort"])
    pages = max(1, ceil(len(rows) / svc.PAGE_SIZE))
    if f["page"] > pages:
        flash(_("There is no page %(page)s; the last page is %(last)s.", page=f["page"], last=pages), "info")
        return redirect(url_for(".today", **query(f, page=pages)))
    shown = svc.load_cases(rows[(f["page"] - 1) * svc.PAGE_SIZE:f["page"] * svc.PAGE_SIZE])
    return render("workbench/today.html", "workbench/_today.html", status=400 if problems else 200,
                  rows=shown, total=len(rows), counts=counts, sections=sections, f=f, pages=pages,
                  problems=problems, kinds=KINDS, kind_labels=KIND_LABELS, query=query, sorts=svc.SORTS)


def query(f, **changes):
    """The non-default filters as URL arguments (links keep the filters; page 1 is not written)."""
    merged = {**f, **changes}
    defaults = {"section": "", "kind": "", "mine": "", "sort": "due", "page": 1}
    return {k: v for k, v in merged.items() if v != defaults[k]}
