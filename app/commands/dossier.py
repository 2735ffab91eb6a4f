"""`flask dossier verify`: prove a case's event record and files are unchanged."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Case
from app.services.events import verify_chain

dossier_cli = AppGroup("dossier", help="The electronic case file (电子卷宗).")


@dossier_cli.command("verify")
@click.argument("case", required=False)
@click.option("--all", "all_cases", is_flag=True, help="Every case.")
def verify(case, all_cases):
    """Exit 0 when intact, 1 naming what was changed."""
    if all_cases:
        cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    elif case:
        cases = db.session.scalars(select(Case).where(or_(Case.case_number == case, Case.filing_ref == case))).all()
        if not cases:
            click.echo(f"no case {case}", err=True)
            sys.exit(2)
    else:
        click.echo("give a case number or --all", err=True)
        sys.exit(2)
    from app.services import dossier
    bad = 0
    for c in cases:
        problems = verify_chain(c.id) + dossier.verify_files(c.id)
        for p in problems:
            click.echo(f"{c.number}: {p}")
        bad += bool(problems)
    click.echo(f"{len(cases)} case(s) checked, {bad} changed")
    sys.exit(1 if bad else 0)
