"""Fee jobs (queue: documents): the payment notice (交费通知书). Safe to run twice: one notice per fee."""
from jobs import job_context


def make_payment_notice(fee_id):
    from app.extensions import db
    from app.services import fees
    with job_context():
        fees.make_payment_notice(fee_id)
        db.session.commit()
