"""RQ job functions: small wrappers that call app/services inside an app context.

Each job takes ids, runs in an app context, calls one service and commits. `job_context()` reuses
the current app when there is one (inline mode, tests) and otherwise builds the app once per
worker process, before RQ forks, so each job pays no import or start-up cost.
"""
from contextlib import contextmanager

from flask import current_app, has_app_context

_app = None


def worker_app():
    global _app
    if _app is None:
        from app import create_app
        _app = create_app()
    return _app


@contextmanager
def job_context():
    app = current_app._get_current_object() if has_app_context() else worker_app()
    with app.app_context():
        from app.extensions import db
        try:
            yield app
        finally:
            db.session.remove()
