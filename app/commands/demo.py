"""`flask demo seed|links`: demo data and one-time sign-in links for every demo user."""
import click
from flask import current_app
from flask.cli import AppGroup

from app import demo
from app.extensions import db
from app.services.auth import create_action_link

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
@click.option("--faces", "faces_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Folder of reference photos for the demo litigants (e.g. ../shared/faces).")
@click.option("--scale", type=int, default=0, help="Also create N extra cases and a 1,000-message hearing (bench).")
def seed(faces_dir, scale):
    """Create (or complete) the demo court; prints `case NUMBER KIND STATE` per case."""
    cases = demo.seed(faces_dir)
    db.session.commit()
    for case in cases:
        click.echo(f"case {case.number} {case.kind} {case.state}")
    if scale:
        from app.demo.busy_court import seed_scale
        created, note = seed_scale(scale)
        db.session.commit()
        click.echo(f"# scale: {created} extra case(s); {note}", err=True)


@demo_cli.command("links")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--hours", default=24, show_default=True)
def links(base_url, hours):
    """Demo mode only: `role name url` with a one-time sign-in link per demo user."""
    if not current_app.config["DEMO"]:
        raise click.ClickException("demo links exist only in demo mode (MICROCOURT_DEMO=1)")
    rows = []
    for user in demo.demo_users():
        path = create_action_link(user, "/", purpose="demo_sign_in", hours=hours, counts_as_face_check=True)
        rows.append((user.role, user.name, base_url.rstrip("/") + path))
    db.session.commit()
    for role, name, url in rows:
        click.echo(f"{role} {name} {url}")
