from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.blueprints.auth.forms import CodeForm, ConfirmForm, PhoneForm, StaffLoginForm
from app.extensions import db, limiter
from app.services import auth as auth_service
from app.services.errors import DomainError

bp = Blueprint("auth", __name__)


def _phone_key():
    return "phone:" + (auth_service.normalise_phone(request.form.get("phone", "")) or "invalid")


def _username_key():
    # Per account name, whatever the IP and however the name is spelled ("Judge ", "ｊｕｄｇｅ"):
    # known and unknown names are throttled alike, so the throttle does not reveal which exist.
    return "user:" + auth_service.normalise_username(request.form.get("username", ""))[:64]


def _ip_key():
    return "password-ip:" + (request.remote_addr or "unknown")


def _only_posts():
    return request.method != "POST"


def _sign_in(user, method, face_verified=False):
    """Regenerate the session: a new server-side row and a cleared cookie session. A form held
    across the sign-in (identity gate) survives; a `next` remembered from someone's used SMS link
    only counts for that link's owner."""
    next_url = session.get("next")
    if session.get("next_for") not in (None, user.id):
        next_url = None
    held = session.get("held_action")
    session.clear()
    if held:
        session["held_action"] = held
    _row, raw = auth_service.start_session(user, method, request.remote_addr, face_verified)
    db.session.commit()
    user._session_token = raw
    login_user(user)
    return next_url


@bp.route("/signin")
def signin():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("auth/signin.html", phone_form=PhoneForm())


@bp.route("/signin/staff", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LIMIT_PASSWORD"], key_func=_username_key,
               deduct_when=lambda resp: resp.status_code == 401, exempt_when=_only_posts)
@limiter.limit(lambda: current_app.config["LIMIT_PASSWORD_PER_IP"], key_func=_ip_key,
               deduct_when=lambda resp: resp.status_code == 401, exempt_when=_only_posts)
def staff():
    form = StaffLoginForm()
    if form.validate_on_submit():
        try:
            user = auth_service.staff_password_login(form.username.data, form.password.data)
        except auth_service.AccountLocked as exc:
            db.session.rollback()
            flash(_(exc.message), "error")
            return render_template("auth/staff.html", form=form), exc.status
        if user is not None:
            next_url = _sign_in(user, "password")
            return redirect(auth_service.safe_next(next_url, url_for("main.home")))
        db.session.commit()  # keep the failure count
        flash(_("Wrong username or password."), "error")
        return render_template("auth/staff.html", form=form), 401
    return render_template("auth/staff.html", form=form), (400 if request.method == "POST" else 200)


@bp.route("/signin/phone", methods=["POST"])
@limiter.limit(lambda: current_app.config["LIMIT_SMS_PER_NUMBER"], key_func=_phone_key)
@limiter.limit(lambda: current_app.config["LIMIT_SMS_PER_IP"])
@limiter.limit(lambda: current_app.config["LIMIT_SMS_GLOBAL"], key_func=lambda: "sms-global")
def phone():
    form = PhoneForm()
    if not form.validate_on_submit():
        return render_template("auth/signin.html", phone_form=form), 400
    number = auth_service.normalise_phone(form.phone.data)
    if number is None:
        form.phone.errors.append(_("This is not a mainland China mobile number (11 digits starting with 1)."))
        return render_template("auth/signin.html", phone_form=form), 400
    auth_service.request_login_code(number, request.remote_addr)
    db.session.commit()
    # Same answer whether or not the number is registered: numbers are not enumerable.
    flash(_("If this number belongs to a party or lawyer, a code has been sent by SMS."), "info")
    return redirect(url_for("auth.code", phone=number))


@bp.route("/signin/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LIMIT_CODE_ATTEMPTS"], exempt_when=_only_posts)
def code():
    form = CodeForm()
    if request.method == "GET":
        form.phone.data = auth_service.normalise_phone(request.args.get("phone", "")) or ""
        return render_template("auth/code.html", form=form)
    if not form.validate_on_submit():
        return render_template("auth/code.html", form=form), 400
    try:
        user = auth_service.verify_login_code(form.phone.data, form.code.data)
    except DomainError as exc:
        db.session.commit()  # keep the attempt count
        form.code.errors.append(_(exc.message))
        return render_template("auth/code.html", form=form), exc.status
    next_url = _sign_in(user, "sms_code")
    return redirect(auth_service.safe_next(next_url, url_for("main.home")))


@bp.route("/l/<token>", methods=["GET"])
def link(token):
    """Link scanners fetch links: GET only shows what the link does and a button."""
    try:
        row = auth_service.check_action_link(token)
    except DomainError as exc:
        again = _used_link_again(token)
        if again is not None:
            return again
        return render_template("auth/link_error.html", message=_(exc.message)), exc.status
    return render_template("auth/link_confirm.html", form=ConfirmForm(), link=row)


def _used_link_again(token):
    """A later tap on a used SMS link: its owner, signed in, goes to the same step; anyone else is
    asked to sign in, and lands on the step only if they are the owner."""
    row = auth_service.used_link_for(token)
    if row is None:
        return None
    if current_user.is_authenticated and current_user.id == row.user_id:
        return redirect(auth_service.safe_target(row.target))
    session["next"], session["next_for"] = auth_service.safe_target(row.target), row.user_id
    return render_template("auth/link_error.html", used=True,
                           message=_("This link has already been used. Sign in with your mobile number and you "
                                     "will come back to the same step.")), 410


@bp.route("/l/<token>", methods=["POST"])
def link_use(token):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("auth/link_error.html", message=_("This form has expired. Open the link again.")), 400
    try:
        row = auth_service.use_action_link(token)
    except DomainError as exc:
        db.session.rollback()
        again = _used_link_again(token)
        if again is not None:
            return again
        return render_template("auth/link_error.html", message=_(exc.message)), exc.status
    if current_user.is_authenticated:  # whoever was signed in here, the link starts a new session
        auth_service.end_session(current_user.session_row)
        logout_user()
    _sign_in(row.user, "demo_link" if row.counts_as_face_check else "link", face_verified=row.counts_as_face_check)
    return redirect(auth_service.safe_next(row.target))


@bp.route("/signout", methods=["POST"])
def signout():
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        auth_service.end_session(current_user.session_row)
        db.session.commit()
        logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.signin"))
