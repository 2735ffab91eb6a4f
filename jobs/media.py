"""Media jobs (queue media): previews of images uploaded to filings."""
from jobs import job_context


def make_preview(stored_id):
    from app.services import thumbnails
    with job_context():
        thumbnails.make_preview(stored_id)
