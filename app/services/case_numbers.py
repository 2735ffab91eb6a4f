"""Case numbers (案号) like (2026)沪0101民初12号: one sequence per court, year and kind code.

The increment is a single `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement, so the row
lock is taken and released by the database: two clerks accepting at the same moment get two
different numbers, and a rolled-back acceptance only leaves a gap, never a repeat.
"""
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Case
from app.models.filing import CaseNumberSequence


def kind_code(kind):
    return current_app.config["CASE_NUMBER_CODES"].get(kind, "民初")


def _insert():
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def next_value(court_id, year, code):
    insert = _insert()
    t = CaseNumberSequence.__table__
    stmt = insert(t).values(court_id=court_id, year=year, code=code, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.court_id, t.c.year, t.c.code],
                                      set_={"last": t.c.last + 1}).returning(t.c.last)
    return db.session.execute(stmt).scalar_one()


def format_number(year, court_code, code, n):
    return f"({year}){court_code}{code}{n}号"


def next_case_number(court, year, kind):
    """A new, never-used case number. Skips numbers already taken outside the sequence (imported cases)."""
    code = kind_code(kind)
    while True:
        number = format_number(year, court.code, code, next_value(court.id, year, code))
        if db.session.scalar(select(Case.id).where(Case.case_number == number)) is None:
            return number
