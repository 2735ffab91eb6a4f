"""Request-level plumbing: security headers, template helpers, the id converter, error pages."""
import hashlib
import logging
from datetime import timezone
from decimal import InvalidOperation
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from flask_babel import get_locale, gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter as WerkzeugIntegerConverter
from werkzeug.security import safe_join

from app.services import court_time
from app.forms import CONTROL_CHARACTERS, INT_MAX
from app.services.errors import DomainError

audit = logging.getLogger("microcourt.audit")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def deadline_filter(moment):
    """`{{ item.deadline|deadline }}`: "Due 2026-11-25 24:00"."""
    return _("Due %(moment)s", moment=court_time.format_deadline(moment)) if moment else ""


def deadline_at_filter(moment):
    """`{{ request.deadline|deadline_at }}`: "by 2026-11-25 24:00"."""
    return _("by %(moment)s", moment=court_time.format_deadline(moment)) if moment else ""


class IntegerConverter(WerkzeugIntegerConverter):
    """`<int:...>` in every URL: ASCII digits only, and no larger than an id column holds, so
    `/cases/99999999999` or `/cases/٣` is a plain 404 rather than a database error. (It keeps
    Werkzeug's class name: code that tells converters apart by name still sees an integer.)"""
    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app):
    """Before any blueprint is registered: rules pick their converters when they are added."""
    app.url_map.converters["int"] = IntegerConverter


# The page an error falls back to when the error template itself cannot be rendered.
MINIMAL_PAGE = ('<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{status}</title>'
                '</head><body><h1>{status}</h1><p role="alert">{message}</p><p><a href="/">MicroCourt</a></p>'
                '</body></html>')


def init_app(app):
    # Court time in templates, from the one module that owns it.
    app.jinja_env.filters["local_time"] = court_time.format_moment
    app.jinja_env.filters["deadline"] = deadline_filter
    app.jinja_env.filters["deadline_at"] = deadline_at_filter
    from app import labels
    labels.register(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    _static_versions = {}

    @app.url_defaults
    def _static_version(endpoint, values):
        # Cache-busting: /static/x.css?v=<content hash>, so browsers and nginx may cache for a year.
        if endpoint != "static" or "v" in values or not values.get("filename"):
            return
        name = values["filename"]
        if name not in _static_versions or app.debug:
            path = safe_join(app.static_folder, name)
            try:
                with open(path or "", "rb") as fh:
                    _static_versions[name] = hashlib.sha256(fh.read()).hexdigest()[:10]
            except OSError:
                _static_versions[name] = None
        if _static_versions[name]:
            values["v"] = _static_versions[name]

    @app.context_processor
    def _globals():
        return {"lang": str(get_locale() or "zh"), "demo": app.config["DEMO"]}

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "no-referrer"
        if app.config.get("HSTS"):
            resp.headers["Strict-Transport-Security"] = app.config["HSTS"]
        if request.path.startswith("/static/"):
            # A versioned URL never changes content (see _static_version): cache it for a year.
            resp.headers["Cache-Control"] = ("public, max-age=31536000, immutable" if request.args.get("v")
                                             else "public, max-age=86400")
        elif "Cache-Control" not in resp.headers:
            resp.headers["Cache-Control"] = "no-store"
        return resp

    def error_page(status, message):
        """The error page. It cannot fail: the session is rolled back first (a failed statement
        leaves it unusable, and the page reads the signed-in user), and a template that breaks
        falls back to a static page. The security headers are added by `_headers` either way."""
        from app.extensions import db
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a dead connection: the page must still go out
            app.logger.exception("rollback failed while answering %s", status)
        try:
            return render_template("errors/error.html", status=status, message=message), status
        except Exception:  # noqa: BLE001
            app.logger.exception("error page failed on %s", request.path)
            try:
                lang = str(get_locale() or "zh")
            except Exception:  # noqa: BLE001
                lang = "zh"
            page = MINIMAL_PAGE.format(lang="zh-Hans" if lang == "zh" else "en", status=int(status),
                                       message=escape(str(message)))
            return Response(page, status, mimetype="text/html")

    @app.before_request
    def _refuse_control_characters():
        # NUL and other control characters in the URL (path or query) reach no view: PostgreSQL cannot
        # store them and no id, code or filter contains them. Form fields are checked by app.forms.
        if CONTROL_CHARACTERS.search(request.path) or any(
                CONTROL_CHARACTERS.search(k) or CONTROL_CHARACTERS.search(v)
                for k, v in request.args.items(multi=True)):
            audit.info("control characters refused path=%r", request.path[:200])
            return error_page(400, _("The address contains characters that cannot be used. "
                                     "Check the link and try again."))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        audit.info("csrf refused path=%s ip=%s reason=%s", request.path, request.remote_addr, exc.description)
        return error_page(400, _("This form has expired or was not sent from this site. "
                                 "Go back, reload the page and try again."))

    @app.errorhandler(DomainError)
    def _domain(exc):
        audit.info("refused path=%s error=%s", request.path, type(exc).__name__)
        return error_page(exc.status, _(exc.message, **exc.params))

    @app.errorhandler(429)
    def _too_many(exc):
        audit.info("rate limited path=%s ip=%s", request.path, request.remote_addr)
        return error_page(429, _("Too many attempts. Please wait a few minutes and try again."))

    @app.errorhandler(413)
    def _too_large(exc):
        return error_page(413, _("The file is too large. The limit is %(mb)s MB.",
                                 mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)))

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    @app.errorhandler(InvalidOperation)
    def _unusable(exc):
        # Input that reached the database or date/number arithmetic in a shape nothing expected (a number
        # beyond its column, text too long for it, a date past the calendar): the person's mistake or a
        # forged request, not our crash. The forms catch the common cases with a message by the field.
        audit.info("unusable input path=%s error=%s", request.path, type(exc).__name__)
        return error_page(400, _("Some of what you sent cannot be used: a number or date out of range, or "
                                 "text that is too long. Go back, check it and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc):
        messages = {400: _("What you sent could not be understood. Go back, check it and try again."),
                    403: _("You do not have access to this page."),
                    404: _("This page does not exist, or you do not have access to it."),
                    405: _("This action is not possible here.")}
        return error_page(exc.code or 500, messages.get(exc.code, _("Something went wrong.")))

    @app.errorhandler(Exception)
    def _crash(exc):
        if app.testing:
            raise exc
        app.logger.exception("unhandled error on %s", request.path)
        try:
            message = _("Something went wrong on our side. Nothing you sent was lost; "
                        "please try again in a minute.")
        except Exception:  # noqa: BLE001 - the catalogue or the locale broke: say it in English
            message = "Something went wrong on our side. Please try again in a minute."
        return error_page(500, message)
