"""Run a function in N real threads at once, each with its own app context and database session."""
import threading

from app.services.errors import DomainError


def race(app, n, fn):
    """Call fn(i) in n threads released together; each commits on success, rolls back on a
    DomainError. Returns [(i, result or exception)]."""
    from app.extensions import db
    barrier = threading.Barrier(n)
    out = [None] * n

    def run(i):
        with app.app_context():
            try:
                prepared = fn(i, barrier)
                db.session.commit()
                out[i] = prepared
            except DomainError as exc:
                db.session.rollback()
                out[i] = exc
            except Exception as exc:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                out[i] = exc
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out
