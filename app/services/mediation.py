"""Mediation (调解): the judge drafts terms, every party confirms and signs the exact terms, the signed
agreement is filed and the case becomes `mediated`. It closes only when the mediation document (调解书,
app/services/court_documents.py) is received by every party. Payment confirmation and withdrawal (撤诉)
are recorded as events too."""
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import MediationAgreement, MediationConfirmation, MediationVersion, utcnow
from app.services import lifecycle, pdf, signatures, storage
from app.services.auth import create_action_link
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event
from app.services.locking import lock
from app.services.notifications import send_sms
from app.services.queue import enqueue_after_commit
from app.services.transcripts import ROLE_LABELS

OPEN_STATES = ("accepted", "hearing")


class AgreementSigned(InvalidState):
    message = N_("This agreement has already been signed by every party.")


class AlreadySigned(InvalidState):
    message = N_("You have already signed this version of the agreement.")


class EnforcementNotMediated(InvalidState):
    message = N_("An enforcement case is not closed by a mediation agreement; record an enforcement settlement instead.")


class BadTerms(DomainError):
    message = N_("Check the terms: an amount, who pays and who is paid are needed.")


def _needs_special_authority(party, actor):
    """A lawyer settles or withdraws for a client only with special authority (特别授权, CPL art. 62)."""
    from app.services.applications import SpecialAuthorityRequired
    if party.user_id != actor.id and party.lawyer_id == actor.id and not party.lawyer_special_authority:
        raise SpecialAuthorityRequired()


def terms_list(case, terms):
    """The numbered terms as they appear in the agreement (Chinese: it is the court's document)."""
    parties = {p.id: p for p in case.parties}
    payer, payee = parties.get(terms["payer_party_id"]), parties.get(terms["payee_party_id"])
    amount = Decimal(terms["amount"])
    schedule = (terms.get("schedule") or "").strip() or "于本协议签署之日"
    out = [f"{ROLE_LABELS.get(payer.role, '')}{payer.name}{schedule}向{ROLE_LABELS.get(payee.role, '')}"
           f"{payee.name}支付人民币{amount:,.2f}元。"]
    out += [line.strip() for line in (terms.get("other") or "").splitlines() if line.strip()]
    return out


def document_data(agreement, version, signed=None):
    case = agreement.case
    sigs = []
    for p in case.parties:
        sig, application = (signed or {}).get(p.id, (None, None))
        sigs.append(dict(name=p.name, role_label=ROLE_LABELS.get(p.role, p.role),
                         signed_at=application.signed_at if application else None,
                         image_png=signatures.signature_png(sig) if sig else None))
    data = dict(court_name=case.court.name, case_number=case.number, case_title=case.title, title="调解协议",
                parties=[dict(role_label=ROLE_LABELS.get(p.role, p.role), name=p.name) for p in case.parties],
                terms=terms_list(case, version.terms), signatures=sigs)
    return data


def terms_hash(agreement, version):
    return signatures.content_hash(document_data(agreement, version))


def draft_terms(case, actor, *, amount, payer, payee, schedule="", other="", hearing_id=None, notify=True):
    """Draft (or redraft) the terms. A redraft is a new version: earlier signatures do not carry over."""
    if not case.can_run(actor):
        raise NotAllowed()
    if case.kind == "enforcement":  # 执行和解 suspends; it never closes the case as "mediated"
        raise EnforcementNotMediated()
    lock(case)
    if case.state not in OPEN_STATES:
        raise InvalidState()
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise BadTerms() from exc
    ids = {p.id for p in case.parties}
    if amount <= 0 or payer.id not in ids or payee.id not in ids or payer.id == payee.id:
        raise BadTerms()
    agreement = db.session.scalar(select(MediationAgreement).where(
        MediationAgreement.case_id == case.id, MediationAgreement.state == "draft"))
    if agreement is None:
        agreement = MediationAgreement(case=case, hearing_id=hearing_id, created_by_id=actor.id)
        db.session.add(agreement)
        db.session.flush()
    terms = dict(amount=str(amount), payer_party_id=payer.id, payee_party_id=payee.id,
                 schedule=(schedule or "").strip()[:200], other=(other or "").strip()[:4000])
    version = MediationVersion(agreement=agreement, number=len(agreement.versions) + 1, terms=terms, terms_hash="")
    db.session.add(version)
    version.terms_hash = terms_hash(agreement, version)
    db.session.flush()
    record_event(case, actor, "mediation_terms_drafted", agreement_id=agreement.id, version=version.number,
                 terms=terms, terms_hash=version.terms_hash, hearing_id=hearing_id)
    if notify:
        _notify(agreement)
    return agreement


def _notify(agreement):
    base = current_app.config["BASE_URL"].rstrip("/")
    for p in agreement.case.parties:
        user = p.user or p.lawyer
        if user is None or not user.phone:
            continue
        link = create_action_link(user, target=f"/mediation/{agreement.id}", purpose="mediation")
        with force_locale("zh"):
            body = _("[MicroCourt] The mediation agreement of case %(case)s is ready for you to read and sign: %(url)s",
                     case=agreement.case.number, url=base + link)
        send_sms(user.phone, body, kind="mediation", user=user, case=agreement.case)


def party_of(agreement, user):
    return agreement.case.party_for(user)


def signed_parties(agreement, version):
    return {c.party_id: c for c in agreement.confirmations if c.version_id == version.id}


def confirm(agreement, actor, face_session, confirmed_hash):
    """A party (or their lawyer) confirms and signs the current terms; the last one closes the case."""
    lock(agreement.case)
    lock(agreement)
    db.session.expire(agreement, ["versions", "confirmations"])
    if agreement.state != "draft":
        raise AgreementSigned()
    party = party_of(agreement, actor)
    if party is None:
        raise NotAllowed()
    _needs_special_authority(party, actor)
    version = agreement.current
    if party.id in signed_parties(agreement, version):
        raise AlreadySigned()
    application = signatures.apply_signature(actor, face_session, "mediation", agreement.id, version.terms_hash,
                                             confirmed_hash)
    row = MediationConfirmation(agreement=agreement, version=version, party_id=party.id, user_id=actor.id,
                                signature_application_id=application.id)
    db.session.add(row)
    db.session.flush()
    case = agreement.case
    record_event(case, actor, "mediation_confirmed", agreement_id=agreement.id, version=version.number,
                 terms_hash=version.terms_hash, party_id=party.id, party_name=party.name,
                 signature_id=application.signature_id, face_session_id=application.face_session_id)
    done = signed_parties(agreement, version)
    if all(p.id in done for p in case.parties):
        agreement.state, agreement.signed_at = "signed", utcnow()
        lifecycle.transition(case, "mediate", actor, agreement_id=agreement.id)
        record_event(case, actor, "case_mediated", agreement_id=agreement.id, terms_hash=version.terms_hash)
        enqueue_after_commit("jobs.documents.render_mediation_agreement", agreement.id, queue="documents")
    return row


def render_signed(agreement_id):
    """Render and file the signed agreement with each party's signature. Idempotent by content hash."""
    agreement = db.session.get(MediationAgreement, agreement_id)
    if agreement is None:
        return None
    lock(agreement.case)  # the case before the agreement, as `confirm` does: one lock order
    lock(agreement)
    if agreement.state != "signed":
        return None
    version = agreement.current
    signed = {c.party_id: (c.signature_application.signature, c.signature_application)
              for c in agreement.confirmations if c.version_id == version.id}
    data = document_data(agreement, version, signed)
    data["signed_at"] = agreement.signed_at
    digest = signatures.content_hash(data)
    if agreement.file_id and agreement.content_hash == digest:
        return agreement.file
    data["verification_code"] = signatures.verification_code(digest, "mediation")
    case = agreement.case
    stored = storage.save_bytes(pdf.sign_pdf(pdf.render_mediation_agreement(data)), name=f"{case.number}-调解协议.pdf",
                                content_type="application/pdf", case=case)
    agreement.file_id, agreement.content_hash, agreement.verification_code = stored.id, digest, data["verification_code"]
    db.session.flush()
    record_event(case, None, "mediation_filed", agreement_id=agreement.id, content_hash=digest, file_id=stored.id)
    return stored


def confirm_paid(case, actor, note=""):
    """The payee (or the judge on their word) confirms the money arrived (已履行)."""
    party = case.party_for(actor)
    if party is None and not case.can_run(actor):
        raise NotAllowed()
    agreement = db.session.scalar(select(MediationAgreement).where(MediationAgreement.case_id == case.id)
                                  .order_by(MediationAgreement.id.desc()).limit(1))
    if agreement is not None and agreement.state == "signed" and party is not None \
            and party.id != agreement.current.terms["payee_party_id"]:
        raise NotAllowed(N_("Only the party who is to be paid can confirm the payment."))
    return record_event(case, actor, "payment_confirmed", agreement_id=agreement.id if agreement else None,
                        party_name=party.name if party else None, note=(note or "").strip()[:1000])


def request_withdrawal(case, actor, reason=""):
    """The plaintiff (applicant) or their lawyer asks to withdraw the suit (申请撤诉)."""
    party = case.party_for(actor)
    if party is None or party.role not in ("plaintiff", "applicant"):
        raise NotAllowed()
    _needs_special_authority(party, actor)
    lock(case)
    if case.state not in OPEN_STATES:
        raise InvalidState()
    return record_event(case, actor, "withdrawal_requested", party_id=party.id, party_name=party.name,
                        reason=(reason or "").strip()[:1000])


def grant_withdrawal(case, actor):
    """The judge allows the withdrawal (准予撤诉): the case ends as suit_withdrawn (撤诉), not a filing's withdrawn."""
    if not case.can_run(actor):
        raise NotAllowed()
    lock(case)
    if case.state not in OPEN_STATES or not withdrawal_pending(case):
        raise InvalidState()
    lifecycle.transition(case, "withdraw_suit", actor)
    return record_event(case, actor, "withdrawal_granted")


def withdrawal_pending(case):
    from app.models import CaseEvent
    kinds = db.session.scalars(select(CaseEvent.kind).where(
        CaseEvent.case_id == case.id, CaseEvent.kind.in_(("withdrawal_requested", "withdrawal_granted")))
        .order_by(CaseEvent.seq.desc()).limit(1)).first()
    return kinds == "withdrawal_requested"


def parties_without_account(case):
    return [p for p in case.parties if p.user_id is None and p.lawyer_id is None]

