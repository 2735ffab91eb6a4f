"""Sign-in jobs (queue: notifications): the SMS code, decided off the request so that a request
for a registered number and one for an unknown number do the same work. It runs through the job
outbox, whose sweep re-enqueues what a Redis outage left."""
from jobs import job_context


def send_login_code(request_id):
    from app.extensions import db
    from app.services import auth
    with job_context():
        auth.handle_code_request(request_id)
        db.session.commit()

