"""``flask faces ...`` commands.  Register in the app factory with
``app.cli.add_command(faces_cli)``."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from app.services import faces as engine

faces_cli = AppGroup("faces", help="Face check tools (dlib face encodings).")

EXIT_MATCH, EXIT_NO_MATCH, EXIT_UNUSABLE = 0, 1, 2


def _short(message: str) -> str:
    """'More than one face in the photo.' -> 'more than one face in the photo'"""
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:]


def _unusable(path: str, message: str) -> None:
    click.echo(f"unusable: {click.format_filename(path)}: {message}", err=True)
    click.get_current_context().exit(EXIT_UNUSABLE)


def _sample(path: str) -> engine.FaceSample:
    try:
        if os.path.isdir(path):
            _unusable(path, "is a directory")
        # Read at most one byte over the limit: decode_photo refuses the rest.
        with open(path, "rb") as fh:
            data = fh.read(engine.MAX_BYTES + 1)
    except FileNotFoundError:
        _unusable(path, "file not found")
    except OSError as exc:
        _unusable(path, _short(exc.strerror or exc.__class__.__name__))
    try:
        return engine.analyse(data)
    except engine.UnusableImage as exc:
        _unusable(path, _short(exc.message))
    except Exception as exc:  # noqa: BLE001 - never print a traceback
        _unusable(path, f"internal error ({exc.__class__.__name__})")
    raise AssertionError("unreachable")


@faces_cli.command("compare")
@click.argument("ref", metavar="REF")
@click.argument("probe", metavar="PROBE")
def compare_command(ref: str, probe: str) -> None:
    """Compare the face in photo REF with the face in photo PROBE.

    Prints 'match distance=0.4123' (exit 0), 'no-match distance=0.7345'
    (exit 1; ' borderline' is appended when a clerk should look, still exit
    1), or one 'unusable: FILE: reason' line on stderr (exit 2).
    """
    threshold = float(current_app.config.get("FACE_THRESHOLD", engine.THRESHOLD))
    band = float(current_app.config.get("FACE_BORDERLINE_BAND", engine.BORDERLINE_BAND))
    ref_sample = _sample(ref)
    probe_sample = _sample(probe)
    result = engine.compare(ref_sample.encoding, probe_sample.encoding,
                            threshold=threshold, band=band)
    if result.outcome == "match":
        click.echo(f"match distance={result.distance:.4f}")
        click.get_current_context().exit(EXIT_MATCH)
    suffix = " borderline" if result.outcome == "borderline" else ""
    click.echo(f"no-match distance={result.distance:.4f}{suffix}")
    click.get_current_context().exit(EXIT_NO_MATCH)


@faces_cli.command("card-enrolment")
@click.argument("court_code")
@click.argument("state", type=click.Choice(["on", "off"]))
def card_enrolment(court_code: str, state: str) -> None:
    """Let people of COURT_CODE enrol from their ID card and a selfie (on), or not (off)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Court
    court = db.session.scalar(select(Court).where(Court.code == court_code))
    if court is None:
        raise click.ClickException(f"no court with code {court_code!r}")
    court.id_card_enrolment = state == "on"
    db.session.commit()
    click.echo(f"{court.code} {court.name}: ID card enrolment {state}")
