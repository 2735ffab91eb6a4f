"""Sign-in jobs (queue: notifications): the SMS code, decided off the request so that a request
for a registered number and one for an unknown number do the same work; and their sweep."""
from jobs import job_context


def send_login_code(request_id):
    from app.extensions import db
    from app.services import auth
    with job_context():
        auth.handle_code_request(request_id)
        db.session.commit()


def sweep_code_requests():
    from app.extensions import db
    from app.services import auth
    with job_context():
        n = auth.sweep_code_requests()
        db.session.commit()
        return n
