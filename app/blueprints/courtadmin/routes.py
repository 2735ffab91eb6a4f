"""Court administration routes: thin; the rules and the audit trail are in app/services/court_admin.py."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import load_or_404, refusals
from app.extensions import db
from app.htmx import render
from app.models import User
from app.services import court_admin as svc

bp = Blueprint("courtadmin", __name__, url_prefix="/admin")


def admin_court():
    """The administrator's own court; anyone else sees nothing here."""
    if not (current_user.is_staff and current_user.role == "admin" and current_user.court is not None):
        abort(404)
    return current_user.court


@bp.route("/")
@login_required
def index():
    court = admin_court()
    return render("courtadmin/index.html", court=court, staff=svc.staff(court), changes=svc.changes(court),
                  form=request.form, roles=svc.STAFF_ROLES)


@bp.route("/court", methods=["POST"])
@login_required
@refusals(".index")
def court_settings():
    court = admin_court()
    changed = svc.update_court(court, current_user, name=request.form.get("name"), code=request.form.get("code"),
                               id_card_enrolment=request.form.get("id_card_enrolment") == "1")
    db.session.commit()
    flash(_("Saved: %(n)s changes.", n=len(changed)), "success")
    return redirect(url_for(".index"))


@bp.route("/staff", methods=["POST"])
@login_required
def add_staff():
    from app.blueprints import flash_refusal
    from app.services.errors import DomainError
    court = admin_court()
    try:
        user = svc.add_staff(court, current_user, role=request.form.get("role"), name=request.form.get("name"),
                             username=request.form.get("username"), password=request.form.get("password"))
    except DomainError as exc:  # the page again, with what was typed (never the password)
        db.session.rollback()
        flash_refusal(exc)
        return render("courtadmin/index.html", status=400, court=court, staff=svc.staff(court),
                      changes=svc.changes(court), form=request.form, roles=svc.STAFF_ROLES)
    db.session.commit()
    flash(_("%(name)s can now sign in with the username %(username)s.", name=user.name, username=user.username),
          "success")
    return redirect(url_for(".index"))


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@login_required
@refusals(".index")
def set_active(user_id):
    court = admin_court()
    user = load_or_404(User, user_id, can=lambda u, me: u.court_id == court.id and u.role in svc.STAFF_ROLES)
    svc.set_active(court, current_user, user, request.form.get("active") == "1")
    db.session.commit()
    return redirect(url_for(".index"))
