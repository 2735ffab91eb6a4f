"""Bulk acts of the workbench (批量操作): open a series of related cases with the same hearing items
(e.g. 35 wage claims of one group of workers), serve one document to many parties. Each act is all
or nothing: every case is tried, and if any fails the caller rolls the whole act back and shows
exactly which cases failed and why. A `BulkAct` row per form key makes a second tap harmless."""
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import Case
from app.models.workbench import BulkAct
from app.services import e_service, hearings, storage
from app.services.errors import DomainError, N_, NotAllowed

MAX_CASES = 200
SIDES = {"defendant": ("defendant", "respondent"), "plaintiff": ("plaintiff", "applicant"),
         "all": ("plaintiff", "defendant", "third_party", "applicant", "respondent")}
SERIES_PURPOSES = ("evidence_exchange", "talk", "mediation", "enforcement_talk")


class BulkRefused(DomainError):
    """Some cases could not take the act: nothing was done. `failures` lists (case label, error)."""
    message = N_("Nothing was done: %(n)s problems, listed below. Correct them or leave those cases out and send again.")

    def __init__(self, failures):
        super().__init__(n=len(failures))
        self.failures = failures


class NoCases(DomainError):
    message = N_("Choose at least one case.")


class TooManyCases(DomainError):
    message = N_("At most %(n)s cases at once.")


class NotInYourCourt(NotAllowed):
    message = N_("No case with this number in your court, or you may not act on it.")


class NoPartyOnThatSide(DomainError):
    message = N_("This case has no party on the chosen side.")


class NoItems(DomainError):
    message = N_("Write at least one hearing item.")


def resolve(actor, ids=(), numbers=""):
    """The cases named by id (check boxes) and by case number (pasted, one per line or separated by
    commas), in that order without repeats; and a failure for each one this person may not act on.
    A case of another court reads exactly like one that does not exist."""
    wanted_ids, failures = [], []
    for raw in ids:
        if str(raw).isdigit() and 0 < int(raw) < 2 ** 31:
            wanted_ids.append(int(raw))
        else:
            failures.append((str(raw)[:40], NotInYourCourt()))
    wanted_numbers = [n.strip() for n in numbers.replace(",", "\n").replace("，", "\n").splitlines() if n.strip()]
    if len(wanted_ids) + len(wanted_numbers) > MAX_CASES:
        raise TooManyCases(n=MAX_CASES)
    found = {}
    if wanted_ids:
        found.update({c.id: c for c in db.session.scalars(sa.select(Case).where(Case.id.in_(wanted_ids)))})
    by_number = {}
    if wanted_numbers:
        by_number = {c.case_number: c for c in db.session.scalars(
            sa.select(Case).where(Case.case_number.in_(wanted_numbers), Case.court_id == actor.court_id))}
    cases, seen = [], set()
    for label, case in [(f"#{i}", found.get(i)) for i in wanted_ids] + [(n[:64], by_number.get(n)) for n in wanted_numbers]:
        if case is None or not case.can_run(actor) or case.state == "draft":
            failures.append((label, NotInYourCourt()))
        elif case.id not in seen:
            seen.add(case.id)
            cases.append(case)
    if not cases and not failures:
        raise NoCases()
    return cases, failures


def begin(actor, key, kind):
    """Claim the form's key. None when this person already sent this form: the earlier act stands
    (`earlier(actor, key)` has its result)."""
    if not key or len(key) > 64:
        raise DomainError(N_("This form has expired; open the page again."))
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(BulkAct).values(actor_id=actor.id, court_id=actor.court_id, key=key, kind=kind, case_ids=[],
                                  result={}).on_conflict_do_nothing(index_elements=["actor_id", "key"]) \
        .returning(BulkAct.id)
    new_id = db.session.execute(stmt).scalar()
    return db.session.get(BulkAct, new_id) if new_id else None


def earlier(actor, key):
    return db.session.scalar(sa.select(BulkAct).where(BulkAct.actor_id == actor.id, BulkAct.key == key))


def _finish(act, cases, failures, done):
    if failures:
        raise BulkRefused(failures)
    act.case_ids = [c.id for c in cases]
    act.result = {"done": done, "cases": [c.number for c in cases]}
    return act


def open_series(actor, key, cases, failures, *, purpose, title, texts, deadline: datetime, side, now=None):
    """In every case: open a hearing room for `purpose` and post the same items to the parties on
    `side`, answer due at `deadline`. All or nothing."""
    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        raise NoItems()
    if purpose not in SERIES_PURPOSES or side not in SIDES:
        raise DomainError()
    act = begin(actor, key, "open_series")
    if act is None:
        return None
    failures = list(failures)
    done = 0
    for case in cases:
        try:
            parties = [p for p in case.parties if p.role in SIDES[side]]
            if not parties:
                raise NoPartyOnThatSide()
            hearing = hearings.open_hearing(case, actor, purpose=purpose, title=title)
            for n, text in enumerate(texts):
                hearings.post_item(hearing, actor, text, parties=parties, deadline=deadline, now=now,
                                   key=f"bulk:{key}:{case.id}:{n}")
            done += len(texts)
        except DomainError as exc:
            failures.append((case.number, exc))
    return _finish(act, cases, failures, done)


def serve_many(actor, key, cases, failures, *, upload, kind, title, side):
    """Serve one document to every party on `side` of every case: the file is kept once per case
    (each case's file is its own). All or nothing."""
    if side not in SIDES:
        raise DomainError()
    if upload is None or not upload.filename:
        raise DomainError(N_("Choose a document to serve."))
    act = begin(actor, key, "serve")
    if act is None:
        return None
    failures = list(failures)
    done = 0
    for case in cases:
        parties = [p for p in case.parties if p.role in SIDES[side]]
        if not parties:
            failures.append((case.number, NoPartyOnThatSide()))
            continue
        try:
            upload.stream.seek(0)
            stored = storage.save_upload(upload, kind="document", actor=actor, case=case)
        except DomainError as exc:
            failures.append((case.number, exc))
            continue
        for party in parties:
            try:
                e_service.serve(case, party, actor, stored_file=stored, kind=kind, title=title)
                done += 1
            except DomainError as exc:
                failures.append((f"{case.number} · {party.name}", exc))
    return _finish(act, cases, failures, done)
