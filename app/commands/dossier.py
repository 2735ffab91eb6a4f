"""`flask dossier verify|prove|checkpoint|repair|key`: prove the electronic case file is unchanged."""
import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Case, DossierLeaf

dossier_cli = AppGroup("dossier", help="The electronic case file (电子卷宗).")


@dossier_cli.command("verify")
@click.argument("case", required=False)
@click.option("--all", "all_cases", is_flag=True, help="Every case, every record and every log.")
def verify(case, all_cases):
    """Exit 0 when intact, 1 naming every changed, missing or extra record."""
    from app.services import dossier
    from app.services.events import verify_chain
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
    bad = 0
    hasher = dossier._FileHasher()
    for c in cases:
        problems = verify_chain(c.id) + dossier.verify_files(c.id)
        if not all_cases:
            problems += dossier.verify(c.id, hasher=hasher)
        for p in problems:
            click.echo(f"{c.number}: {p}")
        bad += bool(problems)
    if all_cases:
        rest = dossier.verify(None, hasher=hasher)
        for p in rest:
            click.echo(p)
        bad += bool(rest)
    click.echo(f"{len(cases)} case(s) checked, {hasher.bytes_read} bytes of files read, "
               f"{'problems found' if bad else 'intact'}")
    sys.exit(1 if bad else 0)


def _find_leaf(record):
    """RECORD: `kind:id` (e.g. message:12), a leaf's `log#index` or a SHA-256 of a file's bytes."""
    if ":" in record:
        kind, _, rid = record.partition(":")
        return db.session.scalar(select(DossierLeaf).where(DossierLeaf.kind == kind, DossierLeaf.record_id == int(rid)))
    if "#" in record:
        log, _, index = record.partition("#")
        return db.session.scalar(select(DossierLeaf).where(DossierLeaf.log == log, DossierLeaf.index == int(index)))
    return db.session.scalar(select(DossierLeaf).where(DossierLeaf.content_sha256 == record.lower())
                             .order_by(DossierLeaf.id).limit(1))


@dossier_cli.command("prove")
@click.argument("record")
def prove(record):
    """Print an inclusion proof (JSON) of RECORD: `kind:id`, `log#index` or a file's SHA-256.
    Signs a new checkpoint first when none covers the record yet."""
    from app.services import dossier
    try:
        leaf = _find_leaf(record)
    except ValueError:
        leaf = None
    if leaf is None:
        click.echo(f"no record {record} in the dossier log", err=True)
        sys.exit(2)
    found = dossier.proof(leaf)
    if found is None:
        dossier.sign_checkpoints()
        db.session.commit()
        found = dossier.proof(leaf)
    click.echo(json.dumps(found, indent=2, ensure_ascii=False))


@dossier_cli.command("checkpoint")
def checkpoint():
    """Sign a checkpoint of every log that grew (the periodic job does this too)."""
    from app.services import dossier
    made = dossier.sign_checkpoints()
    db.session.commit()
    for cp in made:
        click.echo(cp.note)
    click.echo(f"{len(made)} checkpoint(s) signed", err=True)


@dossier_cli.command("key")
def key():
    """Print the verifier key of the checkpoints, for witnesses and tools/verify_proof.py."""
    from app.services import checkpoints
    click.echo(checkpoints.verifier_key())


@dossier_cli.command("repair")
@click.option("--dry-run", is_flag=True, help="Only list what would be done.")
def repair(dry_run):
    """Log records that have no leaf yet and move orphan files (written, never committed) aside."""
    from app.services import dossier
    logged, orphans = dossier.repair(dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    verb = "would log" if dry_run else "logged"
    for kind, rid in logged:
        click.echo(f"{verb} {kind} {rid}")
    for path in orphans:
        click.echo(f"{'would move' if dry_run else 'moved'} orphan file {path.name} to orphans/")
    click.echo(f"{len(logged)} record(s), {len(orphans)} orphan file(s)")
