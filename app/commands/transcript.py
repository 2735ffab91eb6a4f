"""`flask transcript render CASE OUT.pdf`: the same code the documents job runs."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Case

transcript_cli = AppGroup("transcript", help="Hearing transcripts (笔录).")


@transcript_cli.command("render")
@click.argument("case")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--hearing", type=int, default=None, help="A hearing id (default: the case's latest hearing).")
def render(case, out, hearing):
    """Write the transcript of CASE's latest hearing to OUT (the signed copy once everyone signed)."""
    from app.services import pdf, transcripts
    from app.services.errors import DomainError
    try:
        pdf.preload()
    except pdf.FontMissing as exc:
        raise click.ClickException(str(exc))
    row = db.session.scalar(select(Case).where(or_(Case.case_number == case, Case.filing_ref == case)))
    if row is None:
        click.echo(f"no case {case}", err=True)
        sys.exit(2)
    try:
        data = transcripts.render_for_case(row, hearing)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(2)
    with open(out, "wb") as fh:
        fh.write(data)
    click.echo(f"{out}: {len(data)} bytes")
