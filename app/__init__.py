"""Application factory: extensions, blueprints, CLI groups, error pages, security headers."""
import logging

from flask import Flask, g, request

from app import config as config_module
from app import extensions
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def select_locale():
    lang = request.cookies.get("lang")
    if lang in ("zh", "en"):
        return lang
    return request.accept_languages.best_match(["zh", "en"]) or "zh"


def create_app(config_class=None):
    app = Flask(__name__, instance_path=str(config_module.INSTANCE))
    app.config.from_object(config_class or config_module.Config)
    from app.web import install_converters
    install_converters(app)  # before the blueprints: `<int:...>` ids are bounded ASCII numbers
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):  # psycopg 3 is the driver we ship
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri[len("postgresql://"):]
    if uri.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
        config_module.INSTANCE.mkdir(parents=True, exist_ok=True)
    _security_defaults(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config["RATELIMIT_KEY_PREFIX"] = app.config.get("RATELIMIT_KEY_PREFIX", "microcourt")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    extensions.htmx.init_app(app)  # `app.htmx` is the page-or-fragment helper module
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.signin"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    from app import models  # noqa: F401  (registers every table)
    from app.services import dossier
    dossier.install()  # every new dossier record gets its leaf in the log, in the same transaction
    from app.blueprints.auth.routes import bp as auth_bp
    from app.blueprints.main.routes import bp as main_bp
    from app.blueprints.notifications.routes import bp as notifications_bp
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(notifications_bp)
    from app.blueprints.identity.routes import bp as identity_bp
    app.register_blueprint(identity_bp)
    from app.blueprints.hearings.routes import bp as hearings_bp
    app.register_blueprint(hearings_bp)
    from app.blueprints.filing.routes import bp as filing_bp
    from app.blueprints.review.routes import bp as review_bp
    app.register_blueprint(filing_bp)
    app.register_blueprint(review_bp)
    from app.blueprints.mediation.routes import bp as mediation_bp
    from app.blueprints.service.routes import bp as service_bp
    from app.blueprints.signatures.routes import bp as signatures_bp
    from app.blueprints.transcripts.routes import bp as transcripts_bp
    for documents_bp in (signatures_bp, transcripts_bp, mediation_bp, service_bp):
        app.register_blueprint(documents_bp)

    from app.blueprints.dossier.routes import bp as dossier_bp
    app.register_blueprint(dossier_bp)
    from app.blueprints.fees.routes import bp as fees_bp
    app.register_blueprint(fees_bp)
    from app.blueprints.court_documents.routes import bp as court_documents_bp
    app.register_blueprint(court_documents_bp)
    from app.blueprints.casework.routes import bp as casework_bp
    app.register_blueprint(casework_bp)
    from app.blueprints.enforcement.routes import bp as enforcement_bp
    app.register_blueprint(enforcement_bp)
    from app.blueprints.workbench.routes import bp as workbench_bp
    app.register_blueprint(workbench_bp)
    from app.blueprints.courtadmin.routes import bp as courtadmin_bp
    app.register_blueprint(courtadmin_bp)

    from app.commands import register_commands
    register_commands(app)
    from app import web
    web.init_app(app)
    from app import idempotent
    idempotent.init_app(app)  # `idem_key_field()` in templates
    from app import poll_gate
    poll_gate.init_app(app)  # the idle poll's 304 before the room gate
    return app


def _security_defaults(app):
    """Secure cookies and HSTS unless demo mode or MICROCOURT_INSECURE; ProxyFix for trusted proxies."""
    secure = not (app.config.get("DEMO") or app.config.get("INSECURE"))
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = secure
    if app.config.get("HSTS") is None:
        app.config["HSTS"] = "max-age=31536000; includeSubDomains" if secure else ""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


@login_manager.user_loader
def _load_user(token):
    from app.services.auth import load_session
    row = load_session(token)
    if row is None:
        return None
    user = row.user
    user.session_row = row
    user._session_token = token
    g.user_session = row
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import redirect
    from app.blueprints.identity.gate import sign_in_redirect
    return redirect(sign_in_redirect())  # a POST is held server-side and offered again after sign-in
