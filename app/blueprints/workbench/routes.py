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


@bp.route("/hearings/<int:hid>/seen", methods=["POST"])
@login_required
def mark_seen(hid):
    """Mark the answers in a hearing as read (from the "answered since I last looked" row)."""
    from app.blueprints import load_or_404
    from app.extensions import db
    from app.models.hearing import Hearing
    court_staff_only()
    hearing = load_or_404(Hearing, hid, can="can_run")
    svc.mark_seen(hearing, current_user)
    db.session.commit()
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/workbench/") and "//" not in back else url_for(".today"))


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
    prev_id, next_id, f = neighbours(c.id)
    return render("workbench/case.html", case=c, prev_id=prev_id, next_id=next_id, f=f, query=query, parties=ov.parties(c), limit=ov.time_limit(c),
                  hearings=ov.hearings(c), deadlines=ov.deadlines(c), events=events, total_events=total,
                  event_words=ov.event_words, actions=actions_for(c, current_user),
                  scope_labels=SCOPE_LABELS, identity_labels=IDENTITY_LABELS, now=court_time.now())


SCOPE_LABELS = {"online_litigation": _l("online litigation"), "e_service": _l("electronic service"),
                "evidence_exchange": _l("online evidence exchange"), "talk": _l("online talk"),
                "mediation": _l("online mediation"), "trial": _l("online trial"),
                "enforcement_talk": _l("online enforcement talk"), "async_trial": _l("asynchronous trial")}
IDENTITY_LABELS = {"active": _l("Face reference in place"), "pending_approval": _l("Face reference waiting for a clerk"),
                   "none": _l("No face reference"), "no_account": _l("Not joined online yet")}


def neighbours(case_id):
    """The cases before and after this one in the workbench list it was opened from (the list's
    filters ride along in the URL), for the keyboard's next/previous item."""
    f, _problems = read_filters(request.args, svc.sections_for(current_user))
    rows, _counts = svc.collect(current_user, section=f["section"] or None, kind=f["kind"] or None,
                                mine=f["mine"] == "1", sort=f["sort"])
    ids = list(dict.fromkeys(r.case_id for r in rows if r.case_id))
    if case_id not in ids:
        return None, (ids[0] if ids else None), f
    i = ids.index(case_id)
    return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None), f


# --------------------------------------------------------------------------- bulk acts

def _bulk_page(status=200, failures=(), key=None, form=None):
    from datetime import timedelta
    import sqlalchemy as sa
    from app.extensions import db
    from app.models import Case
    from app.services import bulk
    from app.blueprints.service.forms import KIND_CHOICES
    import secrets
    candidates = db.session.scalars(sa.select(Case).where(Case.court_id == current_user.court_id,
                                                           Case.state.in_(("accepted", "hearing")))
                                    .order_by(Case.accepted_at.desc(), Case.id.desc()).limit(bulk.MAX_CASES)).all()
    form = form or {}
    return render("workbench/bulk.html", status=status, candidates=candidates, failures=failures,
                  key=key or secrets.token_hex(16), form=form, chosen=set(form.getlist("case") if form else ()),
                  purposes=bulk.SERIES_PURPOSES, sides=SIDE_LABELS, kinds=KIND_CHOICES,
                  default_deadline=(court_time.today() + timedelta(days=7)).isoformat())


SIDE_LABELS = {"defendant": _l("Defendants and respondents"), "plaintiff": _l("Plaintiffs and applicants"),
               "all": _l("All parties")}


@bp.route("/bulk")
@login_required
def bulk():
    """Choose cases (tick them, or paste their numbers), then open a series or serve one document."""
    court_staff_only()
    return _bulk_page()


@bp.route("/bulk", methods=["POST"])
@login_required
def bulk_post():
    from datetime import date
    from app.extensions import db
    from app.services import bulk as bulk_svc
    from app.services.errors import DomainError, N_
    court_staff_only()
    form, key, act = request.form, request.form.get("key", ""), request.form.get("act")
    try:
        if act not in ("open_series", "serve"):
            raise DomainError()
        done_before = bulk_svc.earlier(current_user, key)
        if done_before is not None:  # the same form sent twice: the first answer stands
            flash(_("This was already done: %(n)s cases.", n=len(done_before.case_ids)), "info")
            return redirect(url_for(".today"))
        cases, failures = bulk_svc.resolve(current_user, form.getlist("case"), form.get("numbers", ""))
        if act == "open_series":
            try:
                day = date.fromisoformat(form.get("deadline", ""))
            except ValueError:
                raise DomainError(N_("Give the answer deadline as a date."))
            result = bulk_svc.open_series(current_user, key, cases, failures, purpose=form.get("purpose", ""),
                                          title=form.get("title", "")[:200], texts=form.get("items", "").split("\n\n"),
                                          deadline=court_time.end_of_day(day), side=form.get("side", ""))
        else:
            result = bulk_svc.serve_many(current_user, key, cases, failures, upload=request.files.get("upload"),
                                         kind=form.get("kind", ""), title=form.get("doc_title", "")[:200],
                                         side=form.get("serve_side", ""))
    except bulk_svc.BulkRefused as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return _bulk_page(400, exc.failures, key=secrets_key(), form=form)
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message, **exc.params), "error")
        return _bulk_page(400, key=secrets_key(), form=form)
    db.session.commit()
    if result is None:
        flash(_("This was already done."), "info")
    elif act == "open_series":
        flash(_("Hearings opened in %(n)s cases, %(items)s items posted.", n=len(result.case_ids),
                items=result.result["done"]), "success")
    else:
        flash(_("%(n)s documents served in %(cases)s cases.", n=result.result["done"], cases=len(result.case_ids)),
              "success")
    return redirect(url_for(".today"))


def secrets_key():
    """A fresh form key after a refusal: nothing was done, so the corrected form is a new act."""
    import secrets
    return secrets.token_hex(16)


# --------------------------------------------------------------------------- statistics

def _stats_weeks():
    """The window in weeks (?weeks=N, 1–104, default 12) and a message when the value makes no sense."""
    from app.services.court_stats import MAX_WEEKS
    raw = request.args.get("weeks", "12")
    if raw.isdigit() and 0 < int(raw) <= MAX_WEEKS:
        return int(raw), None
    return 12, _("“%(value)s” is not a number of weeks from 1 to %(max)s; showing 12 weeks.",
                 value=raw[:40], max=MAX_WEEKS)


def stats_staff_only():
    """Any staff of a court (judges, clerks, the court's administrator); nobody else."""
    if not (current_user.is_staff and current_user.court_id):
        abort(404)


@bp.route("/stats")
@login_required
def stats():
    from app.services import court_stats
    stats_staff_only()
    weeks, problem = _stats_weeks()
    return render("workbench/stats.html", status=400 if problem else 200, problem=problem, weeks=weeks,
                  stats=court_stats.compute(current_user.court_id, weeks))


@bp.route("/stats.csv")
@login_required
def stats_csv():
    import csv
    import io
    from flask import make_response
    from app.services import court_stats
    stats_staff_only()
    weeks, problem = _stats_weeks()
    if problem:
        return make_response(problem, 400, {"Content-Type": "text/plain; charset=utf-8"})
    out = io.StringIO()
    out.write("\ufeff")  # spreadsheet programs read the Chinese names as UTF-8 with the BOM
    csv.writer(out).writerows(court_stats.csv_rows(court_stats.compute(current_user.court_id, weeks)))
    resp = make_response(out.getvalue())
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="court-statistics-{court_time.today().isoformat()}.csv"'
    return resp
