"""Request-level plumbing: security headers, template helpers, error pages."""
import hashlib
import logging

from flask import render_template, request
from flask_babel import get_locale, gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.security import safe_join

from app.services import court_time
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
        return render_template("errors/error.html", status=status, message=message), status

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

    @app.errorhandler(HTTPException)
    def _http(exc):
        messages = {403: _("You do not have access to this page."),
                    404: _("This page does not exist, or you do not have access to it."),
                    405: _("This action is not possible here.")}
        return error_page(exc.code or 500, messages.get(exc.code, _("Something went wrong.")))

    @app.errorhandler(Exception)
    def _crash(exc):
        if app.testing:
            raise exc
        app.logger.exception("unhandled error on %s", request.path)
        return error_page(500, _("Something went wrong on our side. Nothing you sent was lost; "
                                 "please try again in a minute."))
