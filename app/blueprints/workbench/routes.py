"""Workbench routes: thin; the work lists come from app/services/workbench.py."""
from math import ceil

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from app.htmx import render
from app.labels import KIND_LABELS
from app.models.case import KINDS
from app.models.court import HEARING_STAFF
from app.services import court_time, workbench as svc

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


# --------------------------------------------------------------------------- the court's case page

def actions_for(case, user):
    """The acts open to this person on this case now, as (label, url): only what their role and
    the case's state allow (the routes check again)."""
    from app.services.mediation import OPEN_STATES
    acts = []
    if case.state in ("submitted", "resubmitted", "needs_correction") and case.can_review(user):
        acts.append((_("Review the filing"), url_for("review.show", ref=case.filing_ref)))
    if case.state in OPEN_STATES and case.can_run(user):
        acts.append((_("Open a hearing"), url_for("hearings.index", case_id=case.id)))
        acts.append((_("Draft mediation terms"), url_for("mediation.terms", case_id=case.id)))
    if case.case_number and case.can_review(user):
        acts.append((_("Serve a document"), url_for("service.new", case_id=case.id)))
        acts.append((_("Record consent to electronic service"), url_for("service.consent", case_id=case.id)))
    if user.role == "clerk":
        acts.append((_("Identity reviews"), url_for("identity.reviews")))
    return acts


@bp.route("/cases/<int:case_id>")
@login_required
def case(case_id):
    """A case as the court sees it: parties, deadlines and 审限, hearings, the timeline in words."""
    from app.blueprints import load_or_404
    from app.models import Case
    from app.services import case_overview as ov
    court_staff_only()
    c = load_or_404(Case, case_id, can="can_run")
    if c.state == "draft":  # a draft is the filer's alone
        abort(404)
    events, total = ov.timeline(c)
    return render("workbench/case.html", case=c, parties=ov.parties(c), limit=ov.time_limit(c),
                  hearings=ov.hearings(c), deadlines=ov.deadlines(c), events=events, total_events=total,
                  event_words=ov.event_words, actions=actions_for(c, current_user),
                  scope_labels=SCOPE_LABELS, identity_labels=IDENTITY_LABELS, now=court_time.now())


SCOPE_LABELS = {"online_litigation": _l("online litigation"), "e_service": _l("electronic service"),
                "evidence_exchange": _l("online evidence exchange"), "talk": _l("online talk"),
                "mediation": _l("online mediation"), "trial": _l("online trial"),
                "enforcement_talk": _l("online enforcement talk"), "async_trial": _l("asynchronous trial")}
IDENTITY_LABELS = {"active": _l("Face reference in place"), "pending_approval": _l("Face reference waiting for a clerk"),
                   "none": _l("No face reference"), "no_account": _l("Not joined online yet")}
