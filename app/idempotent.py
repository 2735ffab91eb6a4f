"""Creating forms act once: a form base that carries an idempotency key made when it is rendered,
and the `@once(scope)` route decorator that turns a repeated POST into the first one's result."""
import uuid
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, make_response, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from app.forms import FlaskForm  # Flask-WTF's, with a guard on every field
from wtforms import HiddenField

from app.services import idempotency
from app.services.auth import safe_target

FIELD = "idem_key"


def new_key():
    return uuid.uuid4().hex


class IdempotentForm(FlaskForm):
    """Base of every form that creates something; templates render `{{ form.idem_key }}`."""
    idem_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.idem_key.data:
            self.idem_key.data = new_key()


def once(scope):
    """Route decorator: the first POST with a form's key acts; the same key again (a double tap, a
    retry on a flaky network) is redirected to the first one's result and acts no more. A malformed
    or over-long key is a 400. A POST without the field (an old cached page) acts as before."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            key = request.form.get(FIELD) if request.method == "POST" else None
            if key is None or not current_user.is_authenticated:
                return view(*args, **kwargs)
            try:
                earlier = idempotency.claim(current_user, key, scope)
            except idempotency.BadKey as exc:
                abort(400, description=_(exc.message))
            if earlier is not None:
                flash(_("This was already sent; here is the result."), "info")
                back = urlsplit(request.referrer or "").path or "/"  # only a path on this site
                return redirect(idempotency.result_url(earlier) or safe_target(back), 303)
            user_id = current_user.id
            resp = make_response(view(*args, **kwargs))
            if 300 <= resp.status_code < 400 and resp.location:
                idempotency.remember(user_id, key, resp.location)
            return resp
        return wrapper
    return decorate


def key_field():
    """`{{ idem_key_field() }}` in a template: the hidden key for a plain (non-WTForms) creating form."""
    from markupsafe import Markup
    return Markup(f'<input type="hidden" name="{FIELD}" value="{new_key()}">')


def init_app(app):
    app.jinja_env.globals["idem_key_field"] = key_field
