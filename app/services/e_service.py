"""Electronic service (电子送达) under the SPC Online Litigation Rules 2021 (Arts. 29-32).

Consent comes first (explicit, agreed in advance, or an address given in a pleading). The court
sends an SMS with a one-time link; each channel attempt logs sent, delivered (the gateway's
receipt), opened and acknowledged. Service takes effect when the message reached an address the
party confirmed; otherwise on the party's reply, acknowledgement or opening (the read receipt);
across channels the earliest effective moment counts. The service certificate (送达回证) is
rendered from that log and filed in the dossier.
"""
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import ServiceChannelAttempt, ServiceOfDocument, StoredFile, utcnow
from app.models.service import DOCUMENT_KINDS
from app.services import consent as consent_service, pdf, signatures, storage
from app.services.auth import create_action_link, normalise_phone
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.notifications import send_sms
from app.services.queue import enqueue_after_commit

KIND_TITLES = {"notice": "通知书", "summons": "传票", "agreement": "调解协议", "judgment": "判决书",
               "transcript": "笔录", "other": "诉讼文书"}
CONFIRMED_HOW = ("explicit", "in_advance", "address_in_pleading")


class NoConsent(InvalidState):
    message = N_("This party has not agreed to electronic service. Record their consent first, or serve on paper.")


class NoAddress(DomainError):
    message = N_("There is no mobile number to serve to.")


def _is_court(case, actor):
    return bool(actor.is_staff and actor.court_id == case.court_id)


def record_consent(case, party, actor, how, address=None):
    """Consent to e-service with the address it covers (a party's own consent, or the clerk recording it)."""
    if not (_is_court(case, actor) or case.party_for(actor) is party):
        raise NotAllowed()
    if how not in CONFIRMED_HOW:
        raise ValueError(how)
    phone = normalise_phone(address) if address else (party.phone or (party.user and party.user.phone))
    if not phone:
        raise NoAddress()
    return consent_service.record_consent(case, party, "e_service", True, actor, how=how, address=phone)


def serve(case, party, actor, *, stored_file, kind, title=""):
    """Serve a filed document to a party by SMS link. Needs their standing consent."""
    if not _is_court(case, actor):
        raise NotAllowed()
    if kind not in DOCUMENT_KINDS or stored_file.case_id != case.id:
        raise InvalidState()
    consent = consent_service.current(case, party, "e_service")
    if consent is None or not consent.given:
        raise NoConsent()
    recipient = party.user or party.lawyer
    address = consent.address or party.phone
    if recipient is None or not address:
        raise NoAddress()
    service = ServiceOfDocument(case=case, party=party, recipient_id=recipient.id, document_kind=kind,
                                title=(title or KIND_TITLES[kind]).strip()[:200], file_id=stored_file.id,
                                consent=consent, created_by_id=actor.id)
    db.session.add(service)
    db.session.flush()
    link = create_action_link(recipient, target=f"/service/{service.id}", purpose="service")
    with force_locale("zh"):
        body = _("[MicroCourt] %(court)s serves you %(title)s in case %(case)s. Open: %(url)s",
                 court=case.court.name, title=service.title, case=case.number,
                 url=current_app.config["BASE_URL"].rstrip("/") + link)
    sms = send_sms(address, body, kind="service", user=recipient, case=case)
    # An address the party gave or agreed to (Art. 29) is a confirmed address: reaching it is service.
    db.session.add(ServiceChannelAttempt(service=service, channel="sms", address=address, sms_id=sms.id,
                                         address_confirmed=consent.how in CONFIRMED_HOW and bool(consent.address)))
    db.session.flush()
    record_event(case, actor, "document_served", service_id=service.id, party_id=party.id, party_name=party.name,
                 document_kind=kind, title=service.title, file_id=stored_file.id, sha256=stored_file.sha256, channel="sms",
                 consent_how=consent.how)
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


def can_open(service, user):
    return bool(user.is_authenticated and (user.id == service.recipient_id or _is_court(service.case, user)))


def mark_opened(service, actor):
    """The recipient opened the document page (a read receipt)."""
    if actor.id != service.recipient_id:
        return False
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
    return sum(1 for s in rows if refresh(s))


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
    db.session.execute(select(ServiceOfDocument.id).where(ServiceOfDocument.id == service.id).with_for_update())
    refresh(service)
    if service.effective_at is None:
        return None
    data = certificate_data(service)
    digest = signatures.content_hash(data)
    if service.certificate_id and service.certificate_hash == digest:
        return service.certificate
    data["verification_code"] = signatures.verification_code(digest, "service")
    stored = storage.save_bytes(pdf.render_service_certificate(data), name=f"{service.case.number}-送达回证-{service.id}.pdf",
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
