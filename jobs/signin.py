"""Sign-in jobs (queue: notifications): the SMS code, decided off the request so that a request
for a registered number and one for an unknown number do the same work."""
from jobs import job_context


def send_login_code(phone):
    from app.extensions import db
    from app.services import auth
    with job_context():
        auth.send_login_code(phone)
        db.session.commit()
