"""`flask jobs worker` whose renders hang (acceptance notice, transcript, thumbnail), so that a test
can SIGKILL it in the middle of a job. Used only by tests/record/test_outbox.py."""
import sys
import time


def slow(fn):
    def wrapper(*args, **kwargs):
        time.sleep(300)
        return fn(*args, **kwargs)
    return wrapper


if __name__ == "__main__":
    import PIL.ImageOps

    import app.services.pdf as pdf
    pdf.render_acceptance_notice = slow(pdf.render_acceptance_notice)
    pdf.render_transcript = slow(pdf.render_transcript)
    PIL.ImageOps.exif_transpose = slow(PIL.ImageOps.exif_transpose)
    from flask.cli import main
    sys.argv = ["flask", "--app", "wsgi", "jobs", "worker", *sys.argv[1:]]
    main()
