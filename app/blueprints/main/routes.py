from flask import Blueprint, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.htmx import render
from app.models import Case, CaseParty
from app.services.auth import safe_target

bp = Blueprint("main", __name__)


PAGE_SIZE = 30


def cases_for(user, page=1):
    """One page of the cases a person may see: their court's for staff, their own for parties and lawyers.

    Returns (cases, has_more). A busy court has thousands of cases: the home page never lists them all.
    """
    q = select(Case).order_by(Case.updated_at.desc())
    if user.is_staff:
        q = q.where(Case.court_id == user.court_id)
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
    page = max(request.args.get("page", 1, type=int), 1)
    cases, has_more = cases_for(current_user, page)
    return render("main/home.html", "main/_case_list.html", cases=cases, page_no=page, has_more=has_more)


@bp.route("/lang/<code>")
def language(code):
    resp = redirect(safe_target(request.args.get("next")) or url_for("main.home"))
    if code in ("zh", "en"):
        resp.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


@bp.route("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"ok": True}
