"""Electronic service (电子送达) under the SPC Online Litigation Rules 2021 (Arts. 29-32).

Consent comes first (explicit, agreed in advance, or an address given in a pleading). Then a
service address (送达地址确认): a number is used only once its owner confirmed it (a code sent to
it, entered while signed in as themselves) or a clerk recorded an in-person confirmation. The
owner is the account that will read what is served: the party, or their lawyer when represented.
The court's SMS names the case and the document and links to the service page, where the recipient
signs in as themselves: no sign-in token travels in the SMS, so whoever else holds the phone learns
only that a document is waiting. "Opened" is recorded on a POST after that sign-in, never on a GET
(link scanners). Each channel attempt logs sent, delivered (the gateway's receipt), opened and
acknowledged. Service takes effect when the message reached a confirmed address; otherwise on the
recipient's acknowledgement or opening; across channels the earliest effective moment counts. The
service certificate (送达凭证) is rendered from that log and filed in the dossier.
"""
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.models import ServiceAddress, ServiceChannelAttempt, ServiceOfDocument, StoredFile, utcnow
from app.models.service import DOCUMENT_KINDS
from app.models.user import token_hash
from app.services import consent as consent_service, pdf, signatures, storage
from app.services.auth import normalise_phone
from app.services.errors import DomainError, InvalidCode, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.locking import lock
from app.services.notifications import send_sms
from app.services.queue import enqueue_after_commit

KIND_TITLES = {"notice": "通知书", "summons": "传票", "agreement": "调解协议", "judgment": "判决书",
               "transcript": "笔录", "other": "诉讼文书"}
CONFIRMED_HOW = ("explicit", "in_advance", "address_in_pleading")


class NoConsent(InvalidState):
    message = N_("This party has not agreed to electronic service. Record their consent first, or serve on paper.")


class NoAddress(DomainError):
    message = N_("There is no mobile number to serve to.")


class NotAMobile(DomainError):
    message = N_("This is not a mainland China mobile number (11 digits starting with 1).")


class NoAccount(InvalidState):
    message = N_("This party has no account to read served documents with, and no lawyer. Serve on paper, "
                 "or ask them to join the case first.")


class UnconfirmedAddress(InvalidState):
    message = N_("No confirmed service address for %(name)s. Their number must be confirmed first: by a code "
                 "they enter while signed in, or in person at the court.")


class NoteNeeded(DomainError):
    message = N_("Write how the person and the number were checked (for example: ID card seen, number read back).")


ADDRESS_CODE_MINUTES = 15
ADDRESS_CODE_ATTEMPTS = 5


def recipient_for(party):
    """Who is served for this party: the lawyer, as the lawyer, when represented; else the party's
    own account; None when neither exists (never someone else's account)."""
    return party.lawyer or party.user


# --------------------------------------------------------------------------- service addresses

def confirmed_address(party, owner):
    """The party's current confirmed address held by `owner`, or None."""
    if owner is None:
        return None
    return db.session.scalar(select(ServiceAddress).where(
        ServiceAddress.party_id == party.id, ServiceAddress.owner_id == owner.id,
        ServiceAddress.state == "confirmed").order_by(ServiceAddress.confirmed_at.desc()).limit(1))


def addresses_for(case, user):
    """The service addresses of a case this person may see, newest first."""
    rows = db.session.scalars(select(ServiceAddress).where(ServiceAddress.case_id == case.id)
                              .order_by(ServiceAddress.id.desc())).all()
    return [r for r in rows if r.can_view(user)]


def propose_address(case, party, actor, raw_address):
    """A number for serving this party, pending until confirmed. The court or the owner proposes it;
    when the owner proposes it, the code is sent at once. Proposing the same pending number again
    returns the same row (a second tap on a slow network makes nothing new)."""
    owner = recipient_for(party)
    if owner is None:
        raise NoAccount()
    if not (case.can_review(actor) or actor.id == owner.id):
        raise NotAllowed()
    phone = normalise_phone(raw_address)
    if phone is None:
        raise NotAMobile()
    row = db.session.scalar(select(ServiceAddress).where(
        ServiceAddress.party_id == party.id, ServiceAddress.owner_id == owner.id,
        ServiceAddress.address == phone, ServiceAddress.state.in_(("pending", "confirmed")))
        .order_by(ServiceAddress.id.desc()).limit(1))
    if row is None:
        row = ServiceAddress(case_id=case.id, party_id=party.id, owner_id=owner.id, channel="sms", address=phone,
                             proposed_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
        record_event(case, actor, "service_address_proposed", address_id=row.id, party_id=party.id,
                     party_name=party.name, owner_id=owner.id)
    if row.state == "pending" and actor.id == owner.id and row.code_sent_at is None:
        send_address_code(row, actor)
    return row


def send_address_code(row, actor):
    """Send (again) a 6-digit code to the address; only its owner may ask, and only the owner may
    enter it. A new code replaces the old one and resets the attempts."""
    if actor.id != row.owner_id:
        raise NotAllowed()
    if row.state != "pending":
        raise InvalidState()
    code = f"{secrets.randbelow(10**6):06d}"
    row.code_hash = token_hash(f"service-address:{row.id}:{code}")
    row.code_sent_at = utcnow()
    row.code_expires_at = row.code_sent_at + timedelta(minutes=ADDRESS_CODE_MINUTES)
    row.code_attempts = 0
    case = row.case
    with force_locale("zh"):
        body = _("[MicroCourt] Code %(code)s confirms this number for electronic service in case %(case)s "
                 "at %(court)s. Enter it only on the court's site, signed in as yourself. If you did not ask "
                 "for it, ignore this SMS.", code=code, case=case.number, court=case.court.name)
    send_sms(row.address, body, kind="service_address_code", user=row.owner, case=case)
    db.session.flush()
    return row


def confirm_address_by_code(row, actor, code):
    """The owner, signed in as themselves, enters the code that reached the number."""
    if actor.id != row.owner_id:
        raise NotAllowed()
    row = _locked(row)
    if row.state != "pending" or row.code_hash is None or row.code_expires_at < utcnow() \
            or row.code_attempts >= ADDRESS_CODE_ATTEMPTS:
        raise InvalidCode()
    row.code_attempts += 1
    db.session.flush()
    if not hmac.compare_digest(row.code_hash, token_hash(f"service-address:{row.id}:{(code or '').strip()}")):
        raise InvalidCode()
    return _confirm(row, actor, "code")


def confirm_address_in_person(row, actor, note):
    """A clerk of the court records that the owner confirmed the number in person: who (the clerk),
    when (now) and how (the note)."""
    if not row.case.can_review(actor):
        raise NotAllowed()
    note = (note or "").strip()
    if len(note) < 4:
        raise NoteNeeded()
    row = _locked(row)
    if row.state != "pending":
        raise InvalidState()
    return _confirm(row, actor, "in_person", note[:300])


def revoke_address(row, actor):
    if not (row.case.can_review(actor) or actor.id == row.owner_id):
        raise NotAllowed()
    row = _locked(row)
    if row.state == "revoked":
        return row
    row.state, row.revoked_at = "revoked", utcnow()
    db.session.flush()
    record_event(row.case, actor, "service_address_revoked", address_id=row.id, party_id=row.party_id)
    return row


def _locked(row):
    """Lock, then re-read: a second tab or a second clerk sees the decision already taken."""
    return db.session.scalars(select(ServiceAddress).where(ServiceAddress.id == row.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _confirm(row, actor, how, note=None):
    now = utcnow()
    db.session.execute(update(ServiceAddress).where(
        ServiceAddress.party_id == row.party_id, ServiceAddress.owner_id == row.owner_id,
        ServiceAddress.state == "confirmed", ServiceAddress.id != row.id).values(state="revoked", revoked_at=now))
    row.state, row.confirmed_at, row.confirmed_by_id, row.confirmed_how = "confirmed", now, actor.id, how
    row.confirmation_note, row.code_hash = note, None
    db.session.flush()
    record_event(row.case, actor, "service_address_confirmed", address_id=row.id, party_id=row.party_id,
                 party_name=row.party.name, owner_id=row.owner_id, how=how, note=note)
    return row


def confirm_own_number(case, party, actor):
    """The recipient, signed in as themselves, gives their own account's mobile number for service.
    A litigant's or lawyer's account is reached only through that number (the SMS code or one-time
    link they signed in with proved it), so it is confirmed at once (送达地址确认, by that code):
    no code is sent again. Any other number still needs its code or a clerk. None when it does not apply."""
    owner = recipient_for(party)
    if owner is None or actor is None or owner.id != actor.id or actor.is_staff or not actor.phone:
        return None
    phone = normalise_phone(actor.phone)
    if phone is None:
        return None
    current = confirmed_address(party, owner)
    if current is not None and current.address == phone:
        return current
    row = ServiceAddress(case_id=case.id, party_id=party.id, owner_id=owner.id, channel="sms", address=phone,
                         proposed_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    # Confirmed by a code: the sign-in code (or one-time link) that reached this very number.
    return _confirm(row, actor, "code", "the number the person signs in with (SMS code)")


def record_consent(case, party, actor, how, address=None):
    """Consent to e-service (a party's own consent, or the clerk recording it). An address given with
    it is proposed as the service address: it is used only once confirmed."""
    if not (case.can_review(actor) or case.party_for(actor) is party):
        raise NotAllowed()
    if how not in CONFIRMED_HOW:
        raise ValueError(how)
    if address and normalise_phone(address) is None:
        raise NotAMobile()
    phone = normalise_phone(address) if address else (party.phone or (party.user and party.user.phone))
    if not phone:
        raise NoAddress()
    row = consent_service.record_consent(case, party, "e_service", True, actor, how=how, address=phone)
    owner = recipient_for(party)
    if owner is not None and actor.id == owner.id and phone == normalise_phone(actor.phone or ""):
        confirm_own_number(case, party, actor)
    elif address and owner is not None and (case.can_review(actor) or actor.id == owner.id):
        propose_address(case, party, actor, phone)
    return row


def serve(case, party, actor, *, stored_file, kind, title=""):
    """Serve a filed document by SMS to the recipient's confirmed address. Needs the party's standing
    consent and a confirmed address; the SMS carries no sign-in token."""
    if not case.can_review(actor):
        raise NotAllowed()
    if kind not in DOCUMENT_KINDS or stored_file.case_id != case.id:
        raise InvalidState()
    consent = consent_service.current(case, party, "e_service")
    if consent is None or not consent.given:
        raise NoConsent()
    recipient = recipient_for(party)
    if recipient is None:
        raise NoAccount()
    address = confirmed_address(party, recipient)
    if address is None:
        raise UnconfirmedAddress(name=recipient.name)
    service = ServiceOfDocument(case=case, party=party, recipient_id=recipient.id, document_kind=kind,
                                title=(title or KIND_TITLES[kind]).strip()[:200], file_id=stored_file.id,
                                consent=consent, created_by_id=actor.id)
    db.session.add(service)
    db.session.flush()
    with force_locale("zh"):
        body = _("[MicroCourt] %(court)s serves %(title)s in case %(case)s. To read it, sign in as yourself "
                 "at %(url)s", court=case.court.name, title=service.title, case=case.number,
                 url=current_app.config["BASE_URL"].rstrip("/") + f"/service/{service.id}")
    sms = send_sms(address.address, body, kind="service", user=recipient, case=case)
    # A confirmed address (Art. 29): the message reaching it is service.
    db.session.add(ServiceChannelAttempt(service=service, channel="sms", address=address.address, sms_id=sms.id,
                                         address_confirmed=True, address_id=address.id))
    db.session.flush()
    record_event(case, actor, "document_served", service_id=service.id, party_id=party.id, party_name=party.name,
                 recipient_id=recipient.id, document_kind=kind, title=service.title, file_id=stored_file.id,
                 sha256=stored_file.sha256, channel="sms", consent_how=consent.how, address_id=address.id,
                 address_confirmed_how=address.confirmed_how)
    return service


def attempt_effective_at(a):
    if a.address_confirmed and a.delivered_at:
        return a.delivered_at
    return min((t for t in (a.acknowledged_at, a.opened_at) if t), default=None)


def refresh(service):
    """Copy gateway times into the log and work out when service took effect. True when it changed."""
    changed = False
    for a in service.attempts:
        if a.sms is not None:
            for field in ("sent_at", "delivered_at"):
                value = getattr(a.sms, field)
                if value and getattr(a, field) is None:
                    setattr(a, field, value)
                    changed = True
        eff = attempt_effective_at(a)
        if eff != a.effective_at:
            a.effective_at, changed = eff, True
    effective = min((a.effective_at for a in service.attempts if a.effective_at), default=None)
    if effective and effective != service.effective_at:
        first = service.effective_at is None
        service.effective_at = effective
        if first:
            record_event(service.case, None, "service_effective", service_id=service.id, effective_at=effective.isoformat())
    if changed:
        db.session.flush()
        if service.effective_at:
            enqueue_after_commit("jobs.documents.render_service_certificate", service.id, queue="documents")
    return changed


def is_opened(service):
    return any(a.opened_at for a in service.attempts)


def _lock(service):
    """Lock the service record and re-read it with its attempts (two receipts at once stay in order)."""
    lock(service)
    db.session.expire(service, ["attempts"])
    return service


def mark_opened(service, actor):
    """The recipient, signed in as themselves, pressed "Open the document" (a read receipt; a POST)."""
    if actor.id != service.recipient_id:
        return False
    _lock(service)
    now = utcnow()
    first = False
    for a in service.attempts:
        if a.opened_at is None:
            a.opened_at, first = now, True
    if first:
        record_event(service.case, actor, "service_opened", service_id=service.id)
    refresh(service)
    return first


def acknowledge(service, actor):
    """The recipient presses "I have received it"."""
    if actor.id != service.recipient_id:
        raise NotAllowed()
    _lock(service)
    if any(a.acknowledged_at for a in service.attempts):
        return False
    now = utcnow()
    for a in service.attempts:
        a.opened_at = a.opened_at or now
        a.acknowledged_at = now
    record_event(service.case, actor, "service_acknowledged", service_id=service.id)
    refresh(service)
    return True


def sync_open_services(limit=500):
    """Periodic: pick up delivery receipts for services not yet effective."""
    rows = db.session.scalars(select(ServiceOfDocument).where(ServiceOfDocument.effective_at.is_(None))
                              .order_by(ServiceOfDocument.id).limit(limit)).all()
    return sum(1 for s in rows if refresh(_lock(s)))


def certificate_data(service):
    case = service.case
    channels = [dict(channel_label="短信", address=a.address, sent_at=a.sent_at, delivered_at=a.delivered_at,
                     opened_at=a.opened_at, acknowledged_at=a.acknowledged_at, effective_at=a.effective_at)
                for a in service.attempts]
    return dict(court_name=case.court.name, case_number=case.number, title="送达回证",
                document_title=service.title, recipient_name=service.party.name, effective_at=service.effective_at,
                channels=channels, issued_at=service.effective_at)


def render_certificate(service_id):
    """Render the certificate from the log and file it. Idempotent: same log, same document."""
    service = db.session.get(ServiceOfDocument, service_id)
    if service is None:
        return None
    _lock(service)
    refresh(service)
    if service.effective_at is None:
        return None
    data = certificate_data(service)
    digest = signatures.content_hash(data)
    if service.certificate_id and service.certificate_hash == digest:
        return service.certificate
    data["verification_code"] = signatures.verification_code(digest, "service")
    stored = storage.save_bytes(pdf.sign_pdf(pdf.render_service_certificate(data)), name=f"{service.case.number}-送达回证-{service.id}.pdf",
                                content_type="application/pdf", case=service.case)
    service.certificate_id, service.certificate_hash, service.certificate_code = stored.id, digest, data["verification_code"]
    db.session.flush()
    record_event(service.case, None, "service_certificate_filed", service_id=service.id, content_hash=digest,
                 file_id=stored.id)
    return stored


def case_files(case):
    """Documents the court can serve: the case's own filed PDFs."""
    return db.session.scalars(select(StoredFile).where(StoredFile.case_id == case.id,
                                                       StoredFile.content_type == "application/pdf")
                              .order_by(StoredFile.id.desc()).limit(200)).all()
