"""Online filing (网上立案): a case from draft to accepted, with correction requests (补正).

States (Case.state): draft → submitted → needs_correction → resubmitted → accepted / rejected,
and withdrawn (by the filer, or by default when a correction deadline passes). One function per
transition: it locks the case row, checks the state and who acts, records an event, sends SMS
through the outbox and asks for jobs after the commit. Every submission is kept as a
FilingVersion snapshot, so the court reads a resubmission as a diff and nothing is overwritten.
"""
import base64
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Case, CaseParty, Court, User, utcnow
from app.models.filing import (AcceptanceNotice, CorrectionItem, CorrectionRequest, DOC_ROLES, FilingAttachment,
                               FilingVersion, ITEM_KINDS)
from app.services import court_time, events, lifecycle, parties, storage, thumbnails
from app.services.auth import create_action_link, normalise_phone
from app.services.case_numbers import next_case_number
from app.services.errors import DeadlinePassed, DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.id_numbers import is_valid as id_number_valid, normalise_id_number
from app.services.locking import AlreadyDecided, decided_by, lock  # noqa: F401 - AlreadyDecided is used by routes
from app.services.notifications import send_sms
from app.services.queue import enqueue_after_commit

EDITABLE = ("draft", "needs_correction")
PENDING_REVIEW = lifecycle.PENDING_REVIEW
OPEN_FILING = lifecycle.OPEN_FILING
# The filing's part of the one case lifecycle table (app/services/lifecycle.py).
TRANSITIONS = {a: (t.sources, t.target) for a, t in lifecycle.TRANSITIONS.items()
               if a in ("submit", "request_correction", "resubmit", "accept", "reject", "withdraw", "expire")}
FIELDS = ("kind", "title", "claims", "facts", "amount")
OWN_SIDE = {"enforcement": "applicant"}
OTHER_SIDE = {"enforcement": "respondent"}
ROLE_SWAP = {"plaintiff": "applicant", "defendant": "respondent", "applicant": "plaintiff",
             "respondent": "defendant"}
DECISION_EVENTS = ("filing_accepted", "filing_rejected", "correction_requested", "filing_withdrawn")
DECIDED = ("accepted", "rejected", "withdrawn", "hearing", "mediated", "decided", "suit_withdrawn",
           "deemed_withdrawn", "closed")


# One title for the acceptance notice (受理案件通知书): its PDF heading, file name, event and dossier.
ACCEPTANCE_NOTICE_TITLE = "受理案件通知书"


# --------------------------------------------------------------------------- errors


class FilingIncomplete(DomainError):
    message = N_("The filing is not complete yet.")

    def __init__(self, problems):
        super().__init__()
        self.problems = problems  # [(English msgid, params)]


InvalidIdNumber = parties.InvalidIdNumber
InvalidMobile = parties.InvalidPhone  # a mainland mobile, or E.164 for a party outside the mainland


class AlreadySubmitted(InvalidState):
    message = N_("This filing has already been submitted.")


StaleForm = lifecycle.StaleForm


class NotEditable(InvalidState):
    message = N_("This filing can no longer be changed.")


class OneCompleteNotice(InvalidState):
    message = N_("The court asks for corrections once, listing everything (Online Litigation Rules art. 9): "
                 "after the corrections arrive, accept or reject the filing.")


class NoCorrectionItems(DomainError):
    message = N_("List at least one item to correct: all problems go in one notice.")


class ItemNotAddressed(DomainError):
    message = N_("Item %(n)s is not fixed yet: change it, or explain in its reply.")


class ReasonRequired(DomainError):
    message = N_("Give the reasons for the decision.")


class InvalidAmount(DomainError):
    message = N_("The amount must be a number of yuan, for example 16000.50.")


# --------------------------------------------------------------------------- helpers

def new_filing_ref(year=None):
    year = year or court_time.today().year
    while True:
        ref = f"LA{year}-" + base64.b32encode(secrets.token_bytes(5)).decode()[:6]
        if db.session.scalar(select(Case.id).where(Case.filing_ref == ref)) is None:
            return ref


def _lock(case):
    """Lock the case row and reload it: decisions by two colleagues at once are serialised here."""
    return lock(case)


def _revision(value):
    """The revision a form was made at; a value no form of ours sends counts as a stale form."""
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _transition(case, action, actor, expect_revision=None):
    """The filing's steps go through the one lifecycle; its refusals keep the filing's own words."""
    try:
        return lifecycle.transition(case, action, actor, expect_revision=expect_revision)
    except lifecycle.WrongState:
        if action in ("accept", "reject", "request_correction"):
            raise decided_by(case.id, DECISION_EVENTS)
        if action == "submit" and case.state in ("submitted", "resubmitted"):
            raise AlreadySubmitted() from None
        raise InvalidState() from None


def _touch(case, expect_revision=None):
    """An edit: only while the filer may change the filing; stale forms are refused."""
    _lock(case)
    if case.state not in EDITABLE:
        raise NotEditable()
    if expect_revision is not None and _revision(expect_revision) != case.revision:
        raise StaleForm()
    case.revision += 1


def _must_file(case, actor):
    if not case.is_filer(actor):
        raise NotAllowed()


def _must_review(case, actor):
    if not case.can_review(actor):
        raise NotAllowed()


def _url(path):
    return current_app.config["BASE_URL"].rstrip("/") + path


def _sms_filer(case, kind, msgid, **params):
    user = case.filed_by
    if not user or not user.phone:
        return None
    link = _url(create_action_link(user, target=f"/filings/{case.filing_ref}"))
    with force_locale("zh"):
        body = _(msgid, ref=case.number, url=link, **params)
    return send_sms(user.phone, body, kind=kind, user=user, case=case)


def own_role(kind):
    return OWN_SIDE.get(kind, "plaintiff")


def other_role(kind):
    return OTHER_SIDE.get(kind, "defendant")


def required_roles(case):
    roles = ["application" if case.kind == "enforcement" else "complaint", "id_document", "evidence_list"]
    if case.filed_by and case.filed_by.role == "lawyer":
        roles.append("power_of_attorney")
    return roles


def current_attachments(case):
    # The pages show each attachment's file: load the files in the same round (no query per row).
    return db.session.scalars(select(FilingAttachment).where(
        FilingAttachment.case_id == case.id, FilingAttachment.superseded_at.is_(None))
        .options(selectinload(FilingAttachment.stored)).order_by(FilingAttachment.id)).all()


def all_attachments(case):
    return db.session.scalars(select(FilingAttachment).where(FilingAttachment.case_id == case.id)
                              .options(selectinload(FilingAttachment.stored)).order_by(FilingAttachment.id)).all()


def versions(case):
    return db.session.scalars(select(FilingVersion).where(FilingVersion.case_id == case.id)
                              .order_by(FilingVersion.number)).all()


def open_correction(case):
    return db.session.scalar(select(CorrectionRequest).where(
        CorrectionRequest.case_id == case.id, CorrectionRequest.state == "open")
        .order_by(CorrectionRequest.id.desc()).limit(1))


def corrections(case):
    return db.session.scalars(select(CorrectionRequest).where(CorrectionRequest.case_id == case.id)
                              .order_by(CorrectionRequest.id)).all()


def notice_for(case):
    return db.session.scalar(select(AcceptanceNotice).where(AcceptanceNotice.case_id == case.id))


# --------------------------------------------------------------------------- drafting

def parse_amount(raw):
    raw = (str(raw) if raw is not None else "").replace(",", "").replace("，", "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidAmount() from None
    if not value.is_finite():  # "NaN" and "inf" parse as Decimals, and NaN cannot even be compared
        raise InvalidAmount()
    if value < 0 or value >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
        raise InvalidAmount()
    return value


def start_filing(actor, court, kind):
    """A new draft. A litigant files for themself (their own party is added); a lawyer adds the client."""
    if actor.is_staff:
        raise NotAllowed()
    if kind not in current_app.config["FILING_KINDS"]:
        raise InvalidState()
    case = Case(filing_ref=new_filing_ref(), court_id=court.id, kind=kind, state="draft", title="",
                filed_by_id=actor.id, revision=1)
    if actor.role != "lawyer":
        case.parties = [CaseParty(role=own_role(kind), name=actor.name, phone=actor.phone,
                                  id_number=actor.id_number, user_id=actor.id)]
    db.session.add(case)
    db.session.flush()
    record_event(case, actor, "filing_started", filing_ref=case.filing_ref, case_kind=kind, court_id=court.id)
    return case


def update_filing(case, actor, *, title, claims, facts, amount, kind=None, expect_revision=None):
    _must_file(case, actor)
    _touch(case, expect_revision)
    values = dict(title=(title or "").strip(), claims=(claims or "").strip(), facts=(facts or "").strip(),
                  amount=parse_amount(amount))
    if kind and kind != case.kind:
        if kind not in current_app.config["FILING_KINDS"]:
            raise InvalidState()
        values["kind"] = kind
        for party in case.parties:  # 原告/被告 become 申请执行人/被执行人 and back
            if (kind == "enforcement") != (party.role in ("applicant", "respondent")):
                party.role = ROLE_SWAP.get(party.role, party.role)
    changed = [k for k, v in values.items() if getattr(case, k) != v]
    for k, v in values.items():
        setattr(case, k, v)
    db.session.flush()
    if changed:
        record_event(case, actor, "filing_edited", fields=changed)
    return changed


PARTY_DETAILS = ("party_type", "id_type", "representative_name", "representative_title", "agent_name",
                 "agent_title")


def check_party(name, id_number, phone, party_type="person", id_type=None):
    """Normalised (name, id_number, phone); raises on a bad ID or credit code, or a phone that is neither
    a mainland mobile nor an E.164 number (see app/services/parties.py)."""
    name = (name or "").strip()
    if not name:
        raise FilingIncomplete([(N_("Enter the party's name."), {})])
    _, id_number = parties.check_identity(party_type, id_type, id_number)
    return name, id_number, parties.check_phone(phone)


def party_details(party_type="person", id_type=None, id_number=None, representative_name=None,
                  representative_title=None, agent_name=None, agent_title=None):
    """Who the party is beyond a name: the kind of party, the kind of ID, who speaks for an organisation."""
    party_type = party_type or "person"
    if party_type not in parties.PARTY_TYPES:
        raise InvalidState()
    id_type, _ = parties.check_identity(party_type, id_type or None, id_number)
    organisation = party_type != "person"
    clean = lambda v, n: ((v or "").strip()[:n] or None) if organisation else None  # noqa: E731
    return dict(party_type=party_type, id_type=id_type,
                representative_name=parties.check_organisation(party_type, representative_name) if organisation
                else None,
                representative_title=clean(representative_title, 40), agent_name=clean(agent_name, 100),
                agent_title=clean(agent_title, 40))


def add_party(case, actor, *, role, name, id_number=None, phone=None, expect_revision=None, **details):
    _must_file(case, actor)
    if role not in (own_role(case.kind), other_role(case.kind), "third_party"):
        raise InvalidState()
    details = party_details(id_number=id_number, **details)
    name, id_number, phone = check_party(name, id_number, phone, details["party_type"], details["id_type"])
    _touch(case, expect_revision)
    party = CaseParty(role=role, name=name, id_number=id_number, phone=phone, **details,
                      lawyer_id=actor.id if actor.role == "lawyer" and role == own_role(case.kind) else None)
    case.parties.append(party)
    db.session.flush()
    record_event(case, actor, "party_added", party_id=party.id, party_role=role, name=name,
                 party_type=party.party_type)
    return party


def update_party(case, actor, party, *, name, id_number=None, phone=None, expect_revision=None, **details):
    _must_file(case, actor)
    if party.case_id != case.id:
        raise NotAllowed()
    details = party_details(id_number=id_number, **details)
    name, id_number, phone = check_party(name, id_number, phone, details["party_type"], details["id_type"])
    _touch(case, expect_revision)
    values = dict(name=name, id_number=id_number, phone=phone, **details)
    changed = [k for k, v in values.items() if getattr(party, k) != v]
    for k, v in values.items():
        setattr(party, k, v)
    db.session.flush()
    if changed:
        record_event(case, actor, "party_edited", party_id=party.id, fields=changed)
    return party


def remove_party(case, actor, party, expect_revision=None):
    _must_file(case, actor)
    if party.case_id != case.id or party.user_id == actor.id:
        raise NotAllowed()  # the filer's own party stays
    _touch(case, expect_revision)
    record_event(case, actor, "party_removed", party_id=party.id, name=party.name)
    case.parties.remove(party)
    db.session.flush()


def add_attachment(case, actor, *, role, upload=None, by_post=False, replaces=None, note="",
                   expect_revision=None):
    """Add a file (or say it comes by post / at the counter); `replaces` supersedes an earlier one."""
    _must_file(case, actor)
    if role not in DOC_ROLES:
        raise InvalidState()
    if replaces is not None and (replaces.case_id != case.id or replaces.superseded_at is not None):
        raise StaleForm()
    _touch(case, expect_revision)
    stored = None
    if not by_post:
        stored = storage.save_upload(upload, kind="evidence" if role == "evidence" else "document", actor=actor,
                                     case=case, limit_mb_override=current_app.config["FILING_UPLOAD_MB"])
        thumbnails.request_preview(stored)
    att = FilingAttachment(case_id=case.id, role=role, stored_file_id=stored.id if stored else None,
                           pending_by_post=bool(by_post), note=(note or "").strip()[:200], added_by_id=actor.id,
                           replaces_id=replaces.id if replaces else None)
    if replaces is not None:
        replaces.superseded_at = utcnow()
    db.session.add(att)
    db.session.flush()
    record_event(case, actor, "attachment_replaced" if replaces else "attachment_added", attachment_id=att.id,
                 role=role, file_name=stored.original_name if stored else None,
                 sha256=stored.sha256 if stored else None, by_post=bool(by_post),
                 replaces_id=replaces.id if replaces else None)
    return att


def remove_attachment(case, actor, att, expect_revision=None):
    _must_file(case, actor)
    if att.case_id != case.id or att.superseded_at is not None:
        raise StaleForm()
    _touch(case, expect_revision)
    att.superseded_at = utcnow()  # kept: earlier versions still point at it
    db.session.flush()
    record_event(case, actor, "attachment_removed", attachment_id=att.id, role=att.role)


def clerk_upload(case, actor, att, upload):
    """A clerk scans what came by post or to the counter, recorded as done for the filing party."""
    _must_review(case, actor)
    if att.case_id != case.id or not att.pending_by_post or att.superseded_at is not None:
        raise StaleForm()
    _lock(case)
    party = next((p for p in case.parties if p.role == own_role(case.kind)), None)
    stored = storage.save_upload(upload, kind="evidence" if att.role == "evidence" else "document", actor=actor,
                                 case=case, on_behalf_of=party,
                                 limit_mb_override=current_app.config["FILING_UPLOAD_MB"])
    thumbnails.request_preview(stored)
    new = FilingAttachment(case_id=case.id, role=att.role, stored_file_id=stored.id, note=att.note,
                           added_by_id=actor.id, on_behalf_of_id=party.id if party else None, replaces_id=att.id)
    att.superseded_at = utcnow()
    db.session.add(new)
    db.session.flush()
    record_event(case, actor, "attachment_uploaded_by_clerk", attachment_id=new.id, role=att.role,
                 file_name=stored.original_name, sha256=stored.sha256,
                 on_behalf_of=party.name if party else None)
    return new


# --------------------------------------------------------------------------- snapshots and diffs

def snapshot(case):
    return {
        "kind": case.kind, "court_id": case.court_id, "title": case.title or "", "claims": case.claims or "",
        "facts": case.facts or "", "amount": str(case.amount) if case.amount is not None else "",
        "parties": [{"id": p.id, "role": p.role, "name": p.name, "id_number": p.id_number or "",
                     "phone": p.phone or "", **{k: getattr(p, k) or "" for k in PARTY_DETAILS}}
                    for p in case.parties],
        "attachments": [{"id": a.id, "role": a.role, "pending_by_post": a.pending_by_post,
                         "replaces_id": a.replaces_id, "name": a.stored.original_name if a.stored else "",
                         "sha256": a.stored.sha256 if a.stored else ""} for a in current_attachments(case)],
    }


def diff(old, new):
    """Item-by-item changes between two snapshots: fields, parties, attachments."""
    changes = []
    for f in FIELDS:
        if old.get(f) != new.get(f):
            changes.append({"what": "field", "field": f, "old": old.get(f), "new": new.get(f)})
    before = {p["id"]: p for p in old.get("parties", [])}
    after = {p["id"]: p for p in new.get("parties", [])}
    for pid, p in after.items():
        if pid not in before:
            changes.append({"what": "party", "change": "added", "name": p["name"], "role": p["role"]})
        else:
            fields = [k for k in ("role", "name", "id_number", "phone", *PARTY_DETAILS)
                      if before[pid].get(k, "") != p.get(k, "")]
            if fields:
                changes.append({"what": "party", "change": "changed", "name": p["name"], "role": p["role"],
                                "fields": fields, "old": before[pid], "new": p})
    for pid, p in before.items():
        if pid not in after:
            changes.append({"what": "party", "change": "removed", "name": p["name"], "role": p["role"]})
    old_att = {a["id"]: a for a in old.get("attachments", [])}
    new_att = {a["id"]: a for a in new.get("attachments", [])}
    replaced = set()
    for aid, a in new_att.items():
        if aid in old_att:
            continue
        if a.get("replaces_id") in old_att:
            replaced.add(a["replaces_id"])
            changes.append({"what": "attachment", "change": "replaced", "role": a["role"],
                            "old": old_att[a["replaces_id"]], "new": a})
        else:
            changes.append({"what": "attachment", "change": "added", "role": a["role"], "new": a})
    for aid, a in old_att.items():
        if aid not in new_att and aid not in replaced:
            changes.append({"what": "attachment", "change": "removed", "role": a["role"], "old": a})
    return changes


def _new_version(case, actor, reply=None):
    n = (db.session.scalar(select(func.max(FilingVersion.number)).where(FilingVersion.case_id == case.id)) or 0) + 1
    version = FilingVersion(case_id=case.id, number=n, snapshot=snapshot(case), reply=reply,
                            created_by_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    return version


def problems(case):
    """What stops a submission, as (English msgid, params) pairs; empty when complete."""
    out = []
    if not (case.title or "").strip():
        out.append((N_("Enter a title for the case."), {}))
    if not (case.claims or "").strip():
        out.append((N_("Enter your claims."), {}))
    if not (case.facts or "").strip():
        out.append((N_("Enter the facts and reasons."), {}))
    roles = [p.role for p in case.parties]
    if own_role(case.kind) not in roles:
        out.append((N_("Add the party on whose behalf the case is filed."), {}))
    if other_role(case.kind) not in roles:
        out.append((N_("Add at least one opposing party."), {}))
    for p in case.parties:
        if p.id_number and not parties.identity_valid(p.party_type or "person", p.id_type, p.id_number):
            out.append((N_("The ID number of %(name)s is not valid."), {"name": p.name}))
        if p.role == own_role(case.kind) and not p.id_number:
            if p.is_organisation:
                out.append((N_("Enter the unified social credit code of %(name)s."), {"name": p.name}))
            else:
                out.append((N_("Enter the ID number of %(name)s."), {"name": p.name}))
        if p.is_organisation and not p.representative_name:
            out.append((N_("Enter the legal representative or principal of %(name)s."), {"name": p.name}))
        if p.phone and parties.normalise_phone(p.phone) is None:
            out.append((N_("The phone of %(name)s is not a mobile number."), {"name": p.name}))
    have = {a.role for a in current_attachments(case)}
    from app.labels import DOC_ROLE_LABELS
    for role in required_roles(case):
        if role not in have:
            out.append((N_("Attach: %(doc)s (or say it will come by post)."), {"doc": DOC_ROLE_LABELS[role]}))
    from app.services.enforcement import application_problems
    return out + application_problems(case)


# --------------------------------------------------------------------------- transitions

def submit(case, actor, expect_revision=None):
    _must_file(case, actor)
    _lock(case)
    if case.state == "draft":
        found = problems(case)
        if found:
            raise FilingIncomplete(found)
    _transition(case, "submit", actor, expect_revision)
    now = utcnow()
    case.submitted_at = now
    case.registration_due_on = court_time.today(now) + timedelta(days=current_app.config["FILING_REGISTRATION_DAYS"])
    version = _new_version(case, actor)
    record_event(case, actor, "filing_submitted", version=version.number,
                 registration_due_on=case.registration_due_on.isoformat())
    return version


def correction_targets(case):
    """The checklist a clerk fills when asking for corrections (补正): every field, party and current
    document, then the kinds of document that may be missing, as (target, kind, what, current value).
    `target` ("field:title", "party:3", "attachment:7", "role:evidence") is what `request_correction`
    reads back from each item."""
    rows = [(f"field:{f}", "edit_field", f, str(getattr(case, f) or "")) for f in FIELDS[1:]]
    rows += [(f"party:{p.id}", "edit_field", p.role, p.name) for p in case.parties]
    rows += [(f"attachment:{a.id}", "replace_file", a.role, a.stored.original_name if a.stored else "")
             for a in current_attachments(case)]
    rows += [(f"role:{r}", "add_file", r, "") for r in ("evidence", "evidence_list", "id_document", "other")]
    return rows


def request_correction(case, actor, items, days, note="", expect_revision=None):
    """One notice listing every problem (一次性告知): items are dicts {kind, target, note}."""
    _must_review(case, actor)
    items = [i for i in items if (i.get("note") or "").strip()]
    if not items:
        raise NoCorrectionItems()
    days = int(days)
    if not 1 <= days <= 90:
        raise InvalidState()
    _lock(case)
    if case.state == "resubmitted" or corrections(case):
        raise OneCompleteNotice()
    _transition(case, "request_correction", actor, expect_revision)
    version = versions(case)[-1]
    deadline = court_time.end_of_day(court_time.today() + timedelta(days=days))
    req = CorrectionRequest(case_id=case.id, version_id=version.id, note=(note or "").strip(), deadline=deadline,
                            requested_by_id=actor.id)
    for n, item in enumerate(items, 1):
        kind = item.get("kind") if item.get("kind") in ITEM_KINDS else "other"
        req.items.append(CorrectionItem(position=n, kind=kind, target=(item.get("target") or "")[:60],
                                        note=item["note"].strip()))
    db.session.add(req)
    case.registration_due_on = None  # the clock stops until the corrections arrive
    db.session.flush()
    events.correction_requested(case, actor, req)
    _sms_filer(case, "filing_correction",
               N_("[MicroCourt] Filing %(ref)s needs %(n)s corrections by %(deadline)s. Details: %(url)s"),
               n=len(req.items), deadline=court_time.format_deadline(deadline))
    return req


def item_addressed(item, old, new):
    """Whether the filing changed where the court asked (a reply explains the rest)."""
    what, _, key = item.target.partition(":")
    if what == "field":
        return old.get(key) != new.get(key)
    if what == "party":
        before = {str(p["id"]): p for p in old.get("parties", [])}
        after = {str(p["id"]): p for p in new.get("parties", [])}
        return before.get(key) != after.get(key)
    if what == "attachment":
        return int(key) not in {a["id"] for a in new.get("attachments", [])}
    if what == "role":
        old_ids = {a["id"] for a in old.get("attachments", [])}
        return any(a["role"] == key and a["id"] not in old_ids for a in new.get("attachments", []))
    return False


def resubmit(case, actor, reply="", responses=None, expect_revision=None, now=None):
    """The filer's answer to the open correction request; the registration clock restarts."""
    _must_file(case, actor)
    _lock(case)
    req = open_correction(case)
    now = now or utcnow()
    if case.state == "needs_correction" and req is not None and now >= req.deadline:
        raise DeadlinePassed()
    if case.state == "needs_correction" and req is not None:
        old = db.session.get(FilingVersion, req.version_id).snapshot
        new = snapshot(case)
        responses = responses or {}
        for item in req.items:
            text = (responses.get(item.id) or responses.get(str(item.id)) or "").strip()
            if not text and not item_addressed(item, old, new):
                raise ItemNotAddressed(n=item.position)
            item.response = text or None
    _transition(case, "resubmit", actor, expect_revision)
    if req is None:
        raise InvalidState()
    req.state, req.answered_at = "answered", now
    case.submitted_at = now
    # Art. 9: the registration period counts again from the day after the corrections arrive.
    case.registration_due_on = court_time.today(now) + timedelta(days=current_app.config["FILING_REGISTRATION_DAYS"])
    version = _new_version(case, actor, reply=(reply or "").strip() or None)
    record_event(case, actor, "filing_resubmitted", version=version.number, request_id=req.id,
                 reply=version.reply, registration_due_on=case.registration_due_on.isoformat())
    return version


def accept(case, actor, expect_revision=None, judge=None):
    """Register the case: a case number, the notice (made by a job), SMS to each defendant."""
    _must_review(case, actor)
    _transition(case, "accept", actor, expect_revision)
    now = utcnow()
    case.case_number = next_case_number(case.court, court_time.today(now).year, case.kind)
    case.accepted_at = case.decided_at = now
    case.decided_by_id = actor.id
    case.registration_due_on = None
    if judge is not None:
        case.judge_id = judge.id
    db.session.flush()
    record_event(case, actor, "filing_accepted", case_number=case.case_number)
    enqueue_after_commit("jobs.filing.make_acceptance_notice", case.id, queue="documents",
                         job_id=f"acceptance-notice-{case.id}")
    for party in case.parties:
        if party.role == other_role(case.kind):
            invite_to_join(case, party)
    from app.services.fees import assess_on_acceptance
    assess_on_acceptance(case, actor)  # 预交案件受理费: the fee and its payment notice
    if case.kind == "enforcement":
        from app.services.enforcement import on_accepted
        on_accepted(case, actor)
    return case.case_number


def invite_to_join(case, party):
    """SMS a defendant a one-time link to join the case online (an account is made for the number)."""
    phone = normalise_phone(party.phone or "")
    if phone is None:
        return None  # no mobile: the court serves on paper
    user = db.session.scalar(select(User).where(User.phone == phone))
    if user is None:
        user = User(role="litigant", name=party.name, phone=phone, id_number=party.id_number)
        db.session.add(user)
        db.session.flush()
    elif user.is_staff:
        return None
    link = _url(create_action_link(user, target=f"/filings/{case.filing_ref}/join"))
    with force_locale("zh"):
        body = _("[MicroCourt] %(court)s has accepted case %(number)s in which you are a party. "
                 "Verify your identity and choose how to take part: %(url)s",
                 court=case.court.name, number=case.case_number, url=link)
    return send_sms(phone, body, kind="case_join_invite", user=user, case=case)


def reject(case, actor, reasons, expect_revision=None):
    _must_review(case, actor)
    reasons = (reasons or "").strip()
    if not reasons:
        raise ReasonRequired()
    _transition(case, "reject", actor, expect_revision)
    case.rejected_reason, case.decided_at, case.decided_by_id = reasons, utcnow(), actor.id
    case.registration_due_on = None
    db.session.flush()
    record_event(case, actor, "filing_rejected", reasons=reasons)
    _sms_filer(case, "filing_rejected",
               N_("[MicroCourt] Filing %(ref)s was not accepted. The reasons and how to refile: %(url)s"))


def withdraw(case, actor, expect_revision=None):
    _must_file(case, actor)
    _transition(case, "withdraw", actor, expect_revision)
    case.withdrawn_reason, case.registration_due_on = "by_filer", None
    req = open_correction(case)
    if req is not None:
        req.state = "expired"
    db.session.flush()
    record_event(case, actor, "filing_withdrawn", reason="by_filer")


def expire_overdue_corrections(now=None):
    """Close filings whose correction deadline has passed (withdrawn by default). Safe to run twice."""
    now = now or utcnow()
    ids = db.session.scalars(select(CorrectionRequest.case_id).join(Case, Case.id == CorrectionRequest.case_id)
                             .where(CorrectionRequest.state == "open", CorrectionRequest.deadline <= now,
                                    Case.state == "needs_correction")).all()
    closed = []
    for case_id in ids:
        case = _lock(db.session.get(Case, case_id))
        req = open_correction(case)
        if case.state != "needs_correction" or req is None or req.deadline > now:
            continue  # answered in the meantime
        _transition(case, "expire", None)
        case.withdrawn_reason, req.state = "correction_deadline_missed", "expired"
        db.session.flush()
        record_event(case, None, "filing_withdrawn", reason="correction_deadline_missed", request_id=req.id,
                     deadline=req.deadline.isoformat())
        _sms_filer(case, "filing_withdrawn",
                   N_("[MicroCourt] The correction deadline for filing %(ref)s passed, so it is treated as "
                      "withdrawn. You can refile it by copying it: %(url)s"))
        closed.append(case)
    return closed


def copy_filing(case, actor):
    """Refile a withdrawn or rejected filing: a new draft with the same data and copies of its files."""
    _must_file(case, actor)
    if case.state not in ("withdrawn", "rejected"):
        raise InvalidState()
    new = Case(filing_ref=new_filing_ref(), court_id=case.court_id, kind=case.kind, state="draft", title=case.title,
               claims=case.claims, facts=case.facts, amount=case.amount, filed_by_id=actor.id, copied_from_id=case.id,
               revision=1)
    new.parties = [CaseParty(role=p.role, name=p.name, id_number=p.id_number, phone=p.phone,
                             **{k: getattr(p, k) for k in PARTY_DETAILS},
                             user_id=p.user_id if p.user_id == actor.id else None, lawyer_id=p.lawyer_id)
                   for p in case.parties]
    db.session.add(new)
    db.session.flush()
    for att in current_attachments(case):
        stored = None
        if att.stored is not None:
            stored = storage.save_bytes(storage.read_bytes(att.stored), name=att.stored.original_name,
                                        content_type=att.stored.content_type, actor=actor, case=new)
        db.session.add(FilingAttachment(case_id=new.id, role=att.role, stored_file_id=stored.id if stored else None,
                                        pending_by_post=att.pending_by_post and stored is None, note=att.note,
                                        added_by_id=actor.id))
    db.session.flush()
    record_event(new, actor, "filing_started", filing_ref=new.filing_ref, case_kind=new.kind, court_id=new.court_id,
                 copied_from=case.filing_ref)
    record_event(case, actor, "filing_copied", new_filing_ref=new.filing_ref)
    return new


# --------------------------------------------------------------------------- after acceptance

def joinable_party(case, user):
    """The defendant/respondent party this person may join as: theirs already, or matching their phone."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_staff:
        return None
    if case.state not in ("accepted", "hearing", "mediated"):
        return None
    for p in case.parties:
        if p.role != other_role(case.kind):
            continue
        if p.user_id == user.id or (p.user_id is None and user.phone and normalise_phone(p.phone or "") == user.phone):
            return p
    return None


def join_case(case, actor, online, e_service):
    """A defendant links their account to their party and answers the consent questions (同意在线诉讼)."""
    from app.services.consent import record_consent
    party = joinable_party(case, actor)
    if party is None:
        raise NotAllowed()
    _lock(case)
    first = party.user_id is None
    party.user_id = actor.id
    db.session.flush()
    if first:
        record_event(case, actor, "party_joined", party_id=party.id, name=party.name)
        if case.kind == "enforcement":
            from app.services.enforcement import join_group
            join_group(case, party, actor)
    record_consent(case, party, "online_litigation", bool(online), actor)
    record_consent(case, party, "e_service", bool(e_service), actor, address=actor.phone if e_service else None)
    if e_service:
        from app.services.e_service import confirm_own_number
        confirm_own_number(case, party, actor)  # the number they signed in with is their service address
    return party


def online_status(case):
    """Per party: joined online or not, and whether papers must be served on paper."""
    from app.services.consent import consents_for
    answers = consents_for(case)
    rows = []
    for p in case.parties:
        online = answers.get((p.id, "online_litigation"))
        eserv = answers.get((p.id, "e_service"))
        is_filer_side = p.user_id == case.filed_by_id or p.lawyer_id == case.filed_by_id
        joined = bool(p.user_id) and (is_filer_side or online is not None)
        rows.append({"party": p, "joined": joined,
                     "online": True if is_filer_side else (online.given if online else None),
                     "e_service": True if is_filer_side else (eserv.given if eserv else None),
                     "paper": not is_filer_side and not (eserv and eserv.given)})
    return rows


# --------------------------------------------------------------------------- the court's queue

def review_queue(court_id, kind=None, state=None, min_days=None, now=None):
    """Filings waiting at a court, oldest first; `state` may be any open one (default: awaiting a decision)."""
    q = select(Case).where(Case.court_id == court_id)
    if state in ("submitted", "resubmitted", "needs_correction"):
        q = q.where(Case.state == state)
    else:
        q = q.where(Case.state.in_(PENDING_REVIEW))
    if kind:
        q = q.where(Case.kind == kind)
    if min_days:
        q = q.where(Case.submitted_at <= (now or utcnow()) - timedelta(days=int(min_days)))
    return db.session.scalars(q.order_by(Case.submitted_at.asc(), Case.id.asc()).limit(500)).all()


def days_waiting(case, now=None):
    if not case.submitted_at:
        return 0
    return ((now or utcnow()) - case.submitted_at).days


def courts():
    return db.session.scalars(select(Court).order_by(Court.name)).all()


# --------------------------------------------------------------------------- the acceptance notice

def make_acceptance_notice(case_id, notify=True):
    """Render the 受理案件通知书 with the court's seal, keep it in the dossier, SMS the filer. Runs once per case."""
    from app.labels import KIND_LABELS
    from app.services.pdf import render_acceptance_notice
    case = db.session.get(Case, case_id)
    if case is None or not case.case_number or notice_for(case) is not None:
        return None
    _lock(case)
    if notice_for(case) is not None:  # a second run got here first
        return None
    code = base64.b32encode(secrets.token_bytes(10)).decode()[:16]
    own = [p.name for p in case.parties if p.role == own_role(case.kind)]
    with force_locale("zh"):
        kind_label = str(KIND_LABELS.get(case.kind, case.kind))
    pdf = render_acceptance_notice({
        "court_name": case.court.name, "case_number": case.case_number, "case_title": case.title,
        "kind_label": kind_label, "kind": case.kind, "accepted_at": case.accepted_at, "filer_name": "、".join(own) or case.filed_by.name,
        "judge_name": case.judge.name if case.judge else None, "verification_code": code,
        "verification_url": _url(f"/verify/{code}")})
    from app.services.pdf import sign_pdf
    stored = storage.save_bytes(sign_pdf(pdf), name=f"{ACCEPTANCE_NOTICE_TITLE}{case.case_number}.pdf", content_type="application/pdf",
                                case=case)
    notice = AcceptanceNotice(case_id=case.id, stored_file_id=stored.id, verification_code=code)
    db.session.add(notice)
    db.session.flush()
    record_event(case, None, "document_issued", document="acceptance_notice", title=ACCEPTANCE_NOTICE_TITLE,
                 stored_file_id=stored.id, sha256=stored.sha256, verification_code=code)
    user = case.filed_by
    if notify and user and user.phone:
        link = _url(create_action_link(user, target=f"/filings/{case.filing_ref}/notice"))
        with force_locale("zh"):
            body = _("[MicroCourt] Case %(number)s has been accepted by %(court)s. Your acceptance notice: %(url)s",
                     number=case.case_number, court=case.court.name, url=link)
        send_sms(user.phone, body, kind="filing_accepted", user=user, case=case)
    return notice


def notice_by_code(code):
    return db.session.scalar(select(AcceptanceNotice).where(AcceptanceNotice.verification_code == (code or "")))
