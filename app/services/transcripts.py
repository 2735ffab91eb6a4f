"""Transcripts (笔录): built from a hearing's events in time order, confirmed and signed by the parties.

Flow: the judge closes the hearing -> `render_draft()` (job) renders a draft version and texts each
signer a link -> each signer confirms the exact version (signature applied, face check) or objects
with a comment -> the judge answers an objection with an addendum event, which renders a new draft
(the old one stays in the history) -> when every signer has confirmed the current draft,
`render_signed()` (job) renders the signed copy with the signature images, filed in the dossier.

The document text is Chinese whatever the reader's language: it is a court record, and rendering
the same events must give the same document.
"""
import datetime as dt

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseEvent, Transcript, TranscriptConfirmation, TranscriptVersion, User, utcnow
from app.models.court import HEARING_STAFF
from app.services import court_time, pdf, signatures, storage
from app.services.auth import create_action_link
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.locking import lock
from app.services.notifications import send_sms
from app.services.queue import enqueue_after_commit

PURPOSE_LABELS = {"evidence_exchange": "证据交换", "talk": "谈话", "mediation": "调解", "trial": "庭审",
                  "enforcement_talk": "执行约谈"}
ROLE_LABELS = {"judge": "审判员", "clerk": "书记员", "plaintiff": "原告", "defendant": "被告", "applicant": "申请执行人",
               "respondent": "被执行人", "third_party": "第三人", "lawyer": "代理人"}
VERIFY_LABELS = {"face": "人脸识别核验", "clerk": "书记员核验", "demo": "演示账户"}
STAFF_ROLES = HEARING_STAFF  # court staff in a hearing record: they do not sign the transcript
STAFF_TITLES = {"judge": "审判员", "clerk": "书记员"}


class HearingNotFound(DomainError):
    status = 404
    message = N_("There is no hearing record for this case.")


class HearingStillOpen(InvalidState):
    message = N_("The hearing is still open; the transcript is made when the judge closes it.")


class TranscriptFinal(InvalidState):
    message = N_("Everyone has already signed this transcript; it can no longer be objected to. Ask the judge to add a correction to the case file.")


class NotASigner(NotAllowed):
    message = N_("You are not asked to sign this transcript.")


class AlreadyAnswered(InvalidState):
    message = N_("You have already answered this version of the transcript.")


# --------------------------------------------------------------------------- reading the events

def hearing_events(case_id, hearing_id):
    """The case's events that belong to this hearing (and identity checks of its people), in order."""
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))
    return [e for e in events if (e.data or {}).get("hearing_id") == hearing_id
            or (e.kind == "identity_verified" and (e.data or {}).get("hearing_id") is None)]


def case_of_hearing(hearing_id):
    """The case a hearing belongs to: from the Hearing model when there is one, else its opening event."""
    from app import models
    hearing_model = getattr(models, "Hearing", None)  # optional: the events are the record
    if hearing_model is not None:
        hearing = db.session.get(hearing_model, hearing_id)
        if hearing is not None:
            return hearing.case
    event = db.session.scalar(select(CaseEvent).where(
        CaseEvent.kind == "hearing_opened", CaseEvent.data["hearing_id"].as_integer() == hearing_id).limit(1))
    return event and db.session.get(Case, event.case_id)


def latest_hearing_id(case):
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "hearing_opened")
                              .order_by(CaseEvent.seq.desc()).limit(1))
    if event is None:
        raise HearingNotFound()
    return event.data["hearing_id"]


def _parse_time(value):
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value
    t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _deadline_text(value):
    t = _parse_time(value)
    if t is None:
        return ""
    return f"截止 {court_time.format_deadline(t)}"


def build(case, hearing_id, events=None):
    """The transcript's facts from the events: header, participants, entries, closing time, signers."""
    events = hearing_events(case.id, hearing_id) if events is None else events
    info = dict(title="笔录", purpose="", opened_at=None, closed_at=None, last_seq=0)
    people, verified, entries = {}, {}, []
    for e in events:
        d, at = e.data or {}, e.created_at
        k = e.kind
        if d.get("hearing_id") == hearing_id:
            info["last_seq"] = e.seq
        if k == "hearing_opened":
            purpose = d.get("purpose", "")
            info.update(purpose=purpose, opened_at=at,
                        title=f"{PURPOSE_LABELS.get(purpose, '')}笔录" if purpose in PURPOSE_LABELS else "笔录")
        elif k == "participant_added":
            people[d.get("user_id")] = dict(user_id=d.get("user_id"), name=d.get("name", ""), role=d.get("role", ""))
        elif k == "identity_verified":
            label = VERIFY_LABELS.get(d.get("method"), d.get("method") or "")
            if d.get("method") == "face" and d.get("distance") is not None:
                label += f"（差异度 {float(d['distance']):.2f}）"
            verified[d.get("user_id")] = f"{label} {court_time.format_moment(at, '%Y-%m-%d %H:%M:%S')}"
        elif k == "message_posted":
            text = d.get("text", "")
            if d.get("exhibits"):
                text += f"（引用：{'、'.join(d['exhibits'])}）"
            entries.append(dict(at=at, kind="message", author=d.get("author_name", ""),
                                role_label=ROLE_LABELS.get(d.get("author_role"), ""), text=text))
        elif k == "item_posted":
            to = "、".join(d.get("addressees") or [])
            text = d.get("text", "") + (f"（答复人：{to}；{_deadline_text(d.get('deadline'))}）" if to else
                                        f"（{_deadline_text(d.get('deadline'))}）")
            entries.append(dict(at=at, kind="item", author=d.get("author_name", ""), text=text))
        elif k == "item_answered":
            entries.append(dict(at=at, kind="answer", author=d.get("author_name", ""),
                                text=d.get("text", "") + ("（逾期答复）" if d.get("late") else "")))
        elif k == "evidence_added":
            digest = (d.get("sha256") or "")[:16]
            entries.append(dict(at=at, kind="evidence", author=d.get("author_name", ""),
                                exhibit=d.get("exhibit") or f"证据{d.get('exhibit_no', '')}",
                                text=f"{d.get('file_name', '')}（SHA-256 {digest}…）"))
        elif k == "deadline_extended":
            entries.append(dict(at=at, kind="system", author="系统",
                                text=f"事项期限由{_deadline_text(d.get('old_deadline'))}延长至"
                                     f"{_deadline_text(d.get('new_deadline'))}。理由：{d.get('reason', '')}"))
        elif k in ("extension_requested", "extension_refused"):
            verb = "申请延期" if k == "extension_requested" else "延期申请未获准许"
            entries.append(dict(at=at, kind="system", author=d.get("author_name", "") or "系统",
                                text=f"{verb}。理由：{d.get('reason', '')}"))
        elif k == "item_closed":
            entries.append(dict(at=at, kind="system", author="系统", text="事项已结束。"))
        elif k == "hearing_closed":
            info["closed_at"] = at
        elif k == "addendum_added":
            entries.append(dict(at=at, kind="addendum", author=d.get("author_name", ""), text=d.get("text", "")))
    participants = [dict(name=p["name"], role_label=ROLE_LABELS.get(p["role"], p["role"]),
                         verified_label=verified.get(uid, "法院工作人员" if p["role"] in STAFF_ROLES else "—"))
                    for uid, p in people.items()]
    signers = [p for p in people.values() if p["role"] not in STAFF_ROLES and p["user_id"]]
    if not people:  # no participant events (e.g. a hearing recorded before they existed): the parties
        participants = [dict(name=p.name, role_label=ROLE_LABELS.get(p.role, p.role),
                             verified_label=verified.get(p.user_id, "—")) for p in case.parties]
        signers = [dict(user_id=p.user_id, name=p.name, role=p.role) for p in case.parties if p.user_id]
    return dict(info=info, participants=participants, entries=entries, signers=signers)


def document_data(case, facts, signed=None, staff=None):
    """The dict for pdf.render_transcript, with its content hash and verification code filled in.

    `signed` maps user_id -> (Signature, SignatureApplication) for the signed copy; None for a draft.
    `staff` lists the judge's and the clerk's countersignatures (name, role, signed_at), if any.
    """
    info = facts["info"]
    sigs = []
    for s in facts["signers"]:
        sig, app_ = (signed or {}).get(s["user_id"], (None, None))
        sigs.append(dict(name=s["name"], role_label=ROLE_LABELS.get(s["role"], s["role"]),
                         signed_at=app_.signed_at if app_ else None,
                         image_png=signatures.signature_png(sig) if sig else None))
    for s in staff or []:
        sigs.append(dict(name=s["name"], role_label=STAFF_TITLES.get(s["role"], s["role"]), signed_at=s["signed_at"],
                         image_png=None, signed_text="（已电子签署）"))
    data = dict(court_name=case.court.name, case_number=case.number, title=info["title"],
                purpose_label=PURPOSE_LABELS.get(info["purpose"], ""), opened_at=info["opened_at"],
                closed_at=info["closed_at"], participants=facts["participants"], entries=facts["entries"],
                signatures=sigs, draft=signed is None)
    digest = signatures.content_hash(data)
    data.update(verification_code=signatures.verification_code(digest, "transcript"),
                document_hash_label=f"sha256:{digest}")
    return data, digest


# --------------------------------------------------------------------------- frozen versions

def _freeze(value):
    """A JSON copy of document data (datetimes tagged), stored with the version it was rendered from."""
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_freeze(v) for v in value]
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, bytes):
        return None  # images are added to the signed copy from the signatures, never stored here
    return value


def _thaw(value):
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return dt.datetime.fromisoformat(value["$dt"])
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    return value


def version_data(version):
    """(document data, signer user ids) of a version exactly as it was rendered."""
    doc = version.document or {}
    return _thaw(doc.get("data") or {}), list(doc.get("signer_ids") or [])


def signed_data(version, signed, staff=None):
    """The signed copy: the confirmed version's own data, with each signer's image and time added,
    and the judge's and the clerk's countersignatures (`staff`) once given.

    `signed` maps user_id -> (Signature, SignatureApplication)."""
    data, signer_ids = version_data(version)
    data.pop("verification_code", None)
    data.pop("document_hash_label", None)
    sigs = []
    for entry, uid in zip(data.get("signatures") or [], signer_ids):
        sig, app_ = signed.get(uid, (None, None))
        sigs.append(dict(entry, signed_at=app_.signed_at if app_ else None,
                         image_png=signatures.signature_png(sig) if sig else None))
    for s in staff or []:
        sigs.append(dict(name=s["name"], role_label=STAFF_TITLES.get(s["role"], s["role"]), signed_at=s["signed_at"],
                         image_png=None, signed_text="（已电子签署）"))
    data.update(signatures=sigs, draft=False)
    digest = signatures.content_hash(data)
    data.update(verification_code=signatures.verification_code(digest, "transcript"),
                document_hash_label=f"sha256:{digest}")
    return data, digest


# --------------------------------------------------------------------------- jobs' work

def _lock(transcript):
    """Lock the transcript row and re-read it, its versions and its answers. The case row is locked
    first, as `record_event` and `render_draft` do, so that the two locks are always taken in one order."""
    db.session.execute(select(Case.id).where(Case.id == transcript.case_id).with_for_update())
    lock(transcript)
    db.session.expire(transcript, ["versions", "confirmations"])
    return transcript


def _store_version(transcript, kind, data, digest, last_seq, signer_ids=()):
    """The version with this content hash, rendered and filed now unless it already exists."""
    existing = db.session.scalar(select(TranscriptVersion).where(
        TranscriptVersion.transcript_id == transcript.id, TranscriptVersion.content_hash == digest))
    if existing is not None:
        return existing, False
    case = transcript.case
    pdf.preload()  # a missing CJK font fails here with an actionable message, never as a tofu PDF
    body = pdf.render_transcript(data)
    label = "草稿" if kind == "draft" else "签名版"
    number = len(transcript.versions) + 1
    stored = storage.save_bytes(pdf.sign_pdf(body), name=f"{case.number}-{data['title']}-{label}-v{number}.pdf",
                                content_type="application/pdf", case=case)
    version = TranscriptVersion(transcript=transcript, number=number, kind=kind, content_hash=digest,
                                verification_code=data["verification_code"], file_id=stored.id,
                                last_event_seq=last_seq,
                                document={"data": _freeze(data), "signer_ids": list(signer_ids)})
    db.session.add(version)
    db.session.flush()
    return version, True


def transcript_for(case, hearing_id, title="笔录"):
    row = db.session.scalar(select(Transcript).where(Transcript.hearing_id == hearing_id))
    if row is None:
        row = Transcript(case_id=case.id, hearing_id=hearing_id, title=title)
        db.session.add(row)
        db.session.flush()
    return row


def render_draft(hearing_id, notify=True):
    """Render the draft for the hearing's current events; notify the signers when it is new.

    Safe to run twice: the same events give the same content hash, which finds the same version.
    """
    case = case_of_hearing(hearing_id)
    if case is None:
        raise HearingNotFound()
    facts = build(case, hearing_id)
    if facts["info"]["closed_at"] is None:
        raise HearingStillOpen()
    # The case row lock serialises two runs of this job (a retried one and a late one).
    lock(case)
    transcript = transcript_for(case, hearing_id, facts["info"]["title"])
    if transcript.state in ("signed", "final"):
        return transcript.signed_version or transcript.current_draft
    data, digest = document_data(case, facts)
    version, created = _store_version(transcript, "draft", data, digest, facts["info"]["last_seq"],
                                      [s["user_id"] for s in facts["signers"]])
    if created:
        transcript.state = "draft"
        # Confirmations of earlier versions confirmed other words: void them before anyone can sign.
        voided = [c for c in transcript.confirmations if c.version_id != version.id and c.voided_at is None]
        for c in voided:
            c.voided_at = utcnow()
        record_event(case, None, "transcript_drafted", hearing_id=hearing_id, transcript_id=transcript.id,
                     version=version.number, content_hash=digest, file_id=version.file_id,
                     voided_confirmations=[c.id for c in voided])
        if notify:
            _notify_signers(transcript, facts["signers"])
    return version


def _notify_signers(transcript, signers):
    base = current_app.config["BASE_URL"].rstrip("/")
    for s in signers:
        user = db.session.get(User, s["user_id"])
        if user is None or not user.phone:
            continue
        link = create_action_link(user, target=f"/transcripts/{transcript.id}", purpose="transcript")
        with force_locale("zh"):
            body = _("[MicroCourt] The transcript of case %(case)s is ready. Read it and confirm or object: %(url)s",
                     case=transcript.case.number, url=base + link)
        send_sms(user.phone, body, kind="transcript", user=user, case=transcript.case)


def render_signed(transcript_id):
    """Render the signed copy with each signer's image (the version they signed with). Idempotent."""
    transcript = db.session.get(Transcript, transcript_id)
    if transcript is None:
        return None
    _lock(transcript)
    draft = transcript.current_draft
    if transcript.state not in ("signed", "final") or draft is None:
        return None
    signed = {}
    for c in transcript.confirmations:
        if c.version_id == draft.id and c.decision == "confirm" and c.voided_at is None \
                and c.signature_application is not None:
            application = c.signature_application
            signed[c.user_id] = (application.signature, application)
    if draft.document:
        data, digest = signed_data(draft, signed, staff=countersignatures(transcript))  # the confirmed version's own words, nothing newer
    else:  # a version made before versions were frozen: its events, up to the last one it covered
        events = [e for e in hearing_events(transcript.case_id, transcript.hearing_id)
                  if draft.last_event_seq is None or e.seq <= draft.last_event_seq]
        data, digest = document_data(transcript.case, build(transcript.case, transcript.hearing_id, events), signed,
                                     staff=countersignatures(transcript))
    version, created = _store_version(transcript, "signed", data, digest, draft.last_event_seq)
    if transcript.state != "final":
        transcript.state = "final"
        record_event(transcript.case, None, "transcript_filed", hearing_id=transcript.hearing_id,
                     transcript_id=transcript.id, version=version.number, content_hash=digest,
                     file_id=version.file_id)
    return version


# --------------------------------------------------------------------------- people's steps

def signer_ids(transcript):
    return [s["user_id"] for s in build(transcript.case, transcript.hearing_id)["signers"]]


def answers_for(transcript, version):
    """{user_id: latest TranscriptConfirmation} for one version."""
    out = {}
    for c in transcript.confirmations:
        if c.version_id == version.id and c.voided_at is None:
            out[c.user_id] = c
    return out


def _must_be_current(transcript, draft):
    """Refuse to sign a draft whose words the events no longer give (a later addendum or message):
    nobody signs text that is not the record. The new draft is made by the change itself."""
    if document_data(transcript.case, build(transcript.case, transcript.hearing_id))[1] != draft.content_hash:
        raise signatures.StaleVersion()


def confirm(transcript, actor, face_session, confirmed_hash):
    """A signer confirms the current draft: their signature is applied to that exact version."""
    _lock(transcript)
    if transcript.state in ("signed", "final"):
        raise TranscriptFinal()
    draft = transcript.current_draft
    if draft is None:
        raise InvalidState()
    signers = signer_ids(transcript)
    if actor.id not in signers:
        raise NotASigner()
    previous = answers_for(transcript, draft).get(actor.id)
    if previous is not None and previous.decision == "confirm":
        raise AlreadyAnswered()
    if (confirmed_hash or "").strip().lower() != draft.content_hash:
        raise signatures.StaleVersion()
    _must_be_current(transcript, draft)
    application = signatures.apply_signature(actor, face_session, "transcript", transcript.id,
                                             draft.content_hash, confirmed_hash)
    row = TranscriptConfirmation(transcript=transcript, version=draft, user_id=actor.id, decision="confirm",
                                 signature_application_id=application.id, content_hash=draft.content_hash,
                                 last_event_seq=draft.last_event_seq)
    db.session.add(row)
    db.session.flush()
    record_event(transcript.case, actor, "transcript_confirmed", hearing_id=transcript.hearing_id,
                 transcript_id=transcript.id, version=draft.number, content_hash=draft.content_hash,
                 signature_id=application.signature_id, face_session_id=application.face_session_id)
    answers = answers_for(transcript, draft)
    if all(uid in answers and answers[uid].decision == "confirm" for uid in signers):
        transcript.state = "signed"
        enqueue_after_commit("jobs.documents.render_signed_transcript", transcript.id, queue="documents")
    return row


def object_to(transcript, actor, confirmed_hash, comment):
    """A signer objects to the current draft; it goes back to the judge, nothing is signed."""
    _lock(transcript)
    if transcript.state in ("signed", "final"):
        raise TranscriptFinal()
    draft = transcript.current_draft
    if draft is None:
        raise InvalidState()
    if actor.id not in signer_ids(transcript):
        raise NotASigner()
    if (confirmed_hash or "") != draft.content_hash:
        raise signatures.StaleVersion()
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(N_("Say what is wrong in the transcript."))
    row = TranscriptConfirmation(transcript=transcript, version=draft, user_id=actor.id, decision="object",
                                 comment=comment[:4000], content_hash=draft.content_hash,
                                 last_event_seq=draft.last_event_seq)
    db.session.add(row)
    transcript.state = "objected"
    db.session.flush()
    others_signed = [c.user_id for c in answers_for(transcript, draft).values() if c.decision == "confirm"]
    record_event(transcript.case, actor, "transcript_objected", hearing_id=transcript.hearing_id,
                 transcript_id=transcript.id, version=draft.number, content_hash=draft.content_hash,
                 comment=row.comment, signed_before=others_signed)
    return row


def add_addendum(transcript, actor, text):
    """The judge's correction after an objection: an event, then a new draft for everyone to confirm."""
    if not transcript.can_amend(actor):
        raise NotAllowed()
    text = (text or "").strip()
    if not text:
        raise DomainError(N_("Write the correction."))
    _lock(transcript)  # a confirmation racing the addendum: one of them sees the other
    if transcript.state in ("signed", "final"):
        raise TranscriptFinal()
    event = record_event(transcript.case, actor, "addendum_added", hearing_id=transcript.hearing_id,
                         author_name=actor.name, text=text[:4000])
    # The new draft is made now, in the same transaction, not by a job that may be late or lost:
    # until it exists, the earlier draft would still look current and could be signed.
    render_draft(transcript.hearing_id)
    return event


def render_for_case(case, hearing_id=None):
    """PDF bytes of a hearing's transcript as it stands (the CLI): the signed copy once final, else a draft."""
    hearing_id = hearing_id or latest_hearing_id(case)
    transcript = db.session.scalar(select(Transcript).where(Transcript.hearing_id == hearing_id))
    if transcript is not None and transcript.state == "final" and transcript.signed_version:
        return storage.read_bytes(transcript.signed_version.file)
    data, _digest = document_data(case, build(case, hearing_id))
    return pdf.render_transcript(data)



# --------------------------------------------------------------------------- the court's countersignature

class NotTheCourtsSigner(NotAllowed):
    message = N_("Only the judge and the clerk of this hearing countersign its transcript.")


def countersignatures(transcript):
    """The judge's and the clerk's countersignatures of the current draft, judge first."""
    draft = transcript.current_draft
    rows = [c for c in transcript.confirmations if draft is not None and c.version_id == draft.id
            and c.decision == "confirm" and c.signature_application_id is None]
    users = {c.user_id: db.session.get(User, c.user_id) for c in rows}
    out = [dict(name=users[c.user_id].name, role=users[c.user_id].role, signed_at=c.created_at) for c in rows]
    return sorted(out, key=lambda s: (s["role"] != "judge", s["signed_at"]))


def can_countersign(transcript, user):
    """The judge or clerk who took part in the hearing (or, when none of that role did, one of the court)."""
    if not (getattr(user, "is_authenticated", False) and user.is_staff and user.role in STAFF_ROLES
            and user.court_id == transcript.case.court_id):
        return False
    people = [e.data for e in hearing_events(transcript.case_id, transcript.hearing_id)
              if e.kind == "participant_added"]
    same_role = [p.get("user_id") for p in people if p.get("role") == user.role]
    return not same_role or user.id in same_role


def countersign(transcript, actor, confirmed_hash):
    """Art. 33/34: after the parties, the judge and the clerk sign the exact version (by its hash); when
    both have, the signed copy is rendered again with their names."""
    _lock(transcript)
    if not can_countersign(transcript, actor):
        raise NotTheCourtsSigner()
    if transcript.state not in ("signed", "final"):
        raise InvalidState(N_("The parties sign first; then the judge and the clerk."))
    draft = transcript.current_draft
    if (confirmed_hash or "").strip().lower() != draft.content_hash:
        raise signatures.StaleVersion()
    if any(s["role"] == actor.role for s in countersignatures(transcript)):
        raise AlreadyAnswered()
    row = TranscriptConfirmation(transcript=transcript, version=draft, user_id=actor.id, decision="confirm")
    db.session.add(row)
    db.session.flush()
    record_event(transcript.case, actor, "transcript_countersigned", hearing_id=transcript.hearing_id,
                 transcript_id=transcript.id, version=draft.number, content_hash=draft.content_hash,
                 role=actor.role)
    if {s["role"] for s in countersignatures(transcript)} == set(STAFF_ROLES):
        enqueue_after_commit("jobs.documents.render_signed_transcript", transcript.id, queue="documents")
    return row


def fully_signed(transcript):
    """Parties, judge and clerk have all signed the current version."""
    return transcript.state == "final" and {s["role"] for s in countersignatures(transcript)} == set(STAFF_ROLES)
