from flask import Blueprint, current_app, redirect, request, send_from_directory, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.forms import as_id
from app.htmx import render
from app.models import Case, CaseParty
from app.services.auth import safe_target

bp = Blueprint("main", __name__)


@bp.app_template_global("corrections_done")
def _corrections_done(case, req):
    """Ids of the items of an open correction request that the filer has already changed (补正完成)."""
    from app.models.filing import FilingVersion
    from app.services import filing
    if req is None or req.state != "open" or req.version_id is None:
        return set()
    old = db.session.get(FilingVersion, req.version_id).snapshot
    new = filing.snapshot(case)
    return {item.id for item in req.items if filing.item_addressed(item, old, new)}


@bp.app_template_global("still_to_join")
def _still_to_join(case):
    from app.blueprints.main.needs import still_to_join
    return still_to_join(case, current_user)


PAGE_SIZE = 30


def cases_for(user, page=1):
    """One page of the cases a person may see: their court's for staff, their own for parties and lawyers.

    Returns (cases, has_more). A busy court has thousands of cases: the home page never lists them all.
    """
    q = select(Case).order_by(Case.updated_at.desc())
    if user.is_staff:
        # Unsubmitted drafts belong to the litigant alone: the court sees nothing before submission.
        q = q.where(Case.court_id == user.court_id, Case.state != "draft")
    else:
        mine = select(CaseParty.case_id).where(or_(CaseParty.user_id == user.id, CaseParty.lawyer_id == user.id))
        q = q.where(or_(Case.filed_by_id == user.id, Case.id.in_(mine)))
    rows = db.session.scalars(q.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
                              .options(selectinload(Case.court))).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@bp.route("/")
@login_required
def home():
    # Judges and clerks start at the workbench (what needs me today); the list of cases stays at /?page=1.
    if not request.args and current_user.is_staff and current_user.role in ("judge", "clerk") \
            and current_user.court_id:
        from app.blueprints.workbench.routes import today
        return today()
    page = min(request.args.get("page", type=as_id) or 1, 10_000)
    cases, has_more = cases_for(current_user, page)
    from app.blueprints.main.needs import needs_for
    needs = needs_for(current_user) if page == 1 else []
    return render("main/home.html", "main/_case_list.html", cases=cases, page_no=page, has_more=has_more,
                  needs=needs)


def _get_target(target):
    """The nearest page a GET can show for `target`: a page rendered after a POST (a form with an
    error) has the POST's URL, which a GET would answer with 405; walk up its path instead
    (`/filings/3/parties` -> `/filings/3`)."""
    from urllib.parse import urlsplit
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect
    target = safe_target(target)
    adapter = current_app.url_map.bind("localhost")
    parts = urlsplit(target)
    path, query = parts.path, parts.query
    while path and path != "/":
        try:
            adapter.match(path, method="GET")
            return path + ("?" + query if query else "")
        except RequestRedirect:
            return path
        except HTTPException:
            path, query = path.rsplit("/", 1)[0] or "/", ""
    return url_for("main.home")


@bp.route("/lang/<code>")
def language(code):
    resp = redirect(_get_target(request.args.get("next")))
    if code in ("zh", "en"):
        resp.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"ok": True}


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page: answer with the icon, cached for a week."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=7 * 24 * 3600)


from app.blueprints.main import confirm as _confirm  # noqa: E402  (confirm steps for irreversible acts)
_confirm.register(bp)


@bp.record_once
def _app_wide(state):
    from app.blueprints.main import errors_summary
    errors_summary.init_app(state.app)


from app.blueprints.main import previews as _previews  # noqa: E402  (image previews in filings)
_previews.register(bp)
