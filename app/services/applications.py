"""Applications to the court (申请): to extend the time for evidence (延长举证期限), to postpone a hearing
(延期开庭), for property preservation with security (财产保全, 担保), for appraisal (鉴定), to withdraw the suit
(撤诉). Each has a structured form; the judge decides with reasons; the decision is rendered, sealed and
served electronically. Granting a withdrawal or a preservation drafts the ruling (准予撤诉 / 保全裁定) for the
judge to sign (app/services/court_documents.py). A lawyer withdraws only with special authority (特别授权).
"""
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import utcnow
from app.models.case_extras import APPLICATION_KINDS, CaseApplication
from app.services import lifecycle
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event

DETAIL_CN = {"until": "申请延长至", "evidence": "涉及证据", "hearing": "涉及庭审", "proposed": "建议日期",
             "property": "保全财产", "amount": "保全金额（元）", "security_kind": "担保方式",
             "security_amount": "担保金额（元）", "fee": "申请保全费（元）", "subject": "鉴定事项", "field": "鉴定类别"}
SECURITY_KINDS = ("cash", "guarantee", "insurance", "property")  # 现金, 保证, 保全保险, 财产
TITLES = {"extend_evidence": "延长举证期限申请", "postpone_hearing": "延期开庭申请", "preservation": "财产保全申请",
          "appraisal": "鉴定申请", "withdraw": "撤诉申请"}


class CaseNotOpen(InvalidState):
    message = N_("Applications can only be made while the case is being tried; this case has ended.")


class MissingDetail(DomainError):
    message = N_("Fill in: %(what)s.")


class SpecialAuthorityRequired(NotAllowed):
    message = N_("A lawyer needs special authority (特别授权) in the power of attorney, checked by the court, to "
                 "do this for the client.")


class ReasonRequired(DomainError):
    message = N_("Give the reasons.")


def _parse_date(value, what):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise MissingDetail(what=what) from None


def check_details(kind, details):
    """The structured fields of each kind, checked and normalised (dates ISO, amounts in yuan)."""
    from app.services.fees import preservation_fee
    from app.services.court_time import today as local_today
    from app.services.filing import parse_amount
    d = {k: (v.strip() if isinstance(v, str) else v) for k, v in (details or {}).items() if v not in (None, "")}
    if kind == "extend_evidence":
        until = _parse_date(d.get("until"), N_("the new date for evidence"))
        if until <= local_today():
            raise MissingDetail(what=N_("the new date for evidence"))
        return {"until": until.isoformat(), "evidence": d.get("evidence", "")[:500]}
    if kind == "postpone_hearing":
        return {"hearing": d.get("hearing", "")[:200],
                "proposed": _parse_date(d.get("proposed"), N_("the date you propose")).isoformat()}
    if kind == "preservation":
        prop = d.get("property", "")[:1000]
        if not prop:
            raise MissingDetail(what=N_("the property to preserve"))
        amount = parse_amount(d.get("amount"))
        security = parse_amount(d.get("security_amount"))
        if not amount:
            raise MissingDetail(what=N_("the value to preserve"))
        if d.get("security_kind") not in SECURITY_KINDS or not security:
            raise MissingDetail(what=N_("the security offered (担保)"))
        return {"property": prop, "amount": str(amount), "security_kind": d["security_kind"],
                "security_amount": str(security), "fee": str(preservation_fee(amount))}
    if kind == "appraisal":
        subject = d.get("subject", "")[:1000]
        if not subject:
            raise MissingDetail(what=N_("what is to be appraised"))
        return {"subject": subject, "field": d.get("field", "")[:100]}
    return {}


def apply(case, actor, kind, reason, key, **details):
    """A party's application. The same form (key) sent twice is one application."""
    if kind not in APPLICATION_KINDS:
        raise InvalidState()
    party = None if actor.is_staff else case.party_for(actor)
    if party is None:
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    key = (key or "").strip()[:32]
    if not key:
        raise InvalidState()
    lifecycle.lock(case)
    existing = db.session.scalar(select(CaseApplication).where(CaseApplication.submitted_by_id == actor.id,
                                                               CaseApplication.key == key))
    if existing is not None:
        return existing
    if case.state not in lifecycle.ACTIVE:
        raise CaseNotOpen()
    if kind == "withdraw":
        if party.role not in ("plaintiff", "applicant"):
            raise NotAllowed()
        if party.user_id != actor.id and not party.lawyer_special_authority:
            raise SpecialAuthorityRequired()
    row = CaseApplication(case_id=case.id, party_id=party.id, kind=kind, details=check_details(kind, details),
                          reason=reason[:4000], key=key, submitted_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record_event(case, actor, "application_made", application_id=row.id, application_kind=kind,
                 party_id=party.id, details=row.details, reason=row.reason)
    return row


def pending(case):
    return db.session.scalars(select(CaseApplication).where(CaseApplication.case_id == case.id,
                                                            CaseApplication.state == "pending")
                              .order_by(CaseApplication.id)).all()


def of_case(case):
    return db.session.scalars(select(CaseApplication).where(CaseApplication.case_id == case.id)
                              .order_by(CaseApplication.id)).all()


def decide(application, actor, grant, reasons):
    """The judge decides with reasons. The decision is sealed and served to the applicant; a granted
    withdrawal or preservation also gets its ruling drafted for the judge to sign."""
    from app.services import court_documents
    case = application.case
    if not court_documents.can_draft(case, actor):
        raise NotAllowed()
    reasons = (reasons or "").strip()
    if not reasons:
        raise ReasonRequired()
    lifecycle.lock(case)
    db.session.refresh(application)
    if application.state != "pending":
        raise InvalidState()
    if case.state not in lifecycle.ACTIVE:
        raise CaseNotOpen()
    application.state = "granted" if grant else "refused"
    application.decided_by_id, application.decided_at, application.decision_reasons = actor.id, utcnow(), reasons
    _render_decision(application)
    db.session.flush()
    record_event(case, actor, "application_decided", application_id=application.id,
                 application_kind=application.kind, granted=bool(grant), reasons=reasons,
                 file_id=application.decision_file_id)
    ruling = None
    if grant and application.kind in ("withdraw", "preservation"):
        ruling = court_documents.draft(case, actor, "ruling",
                                       "withdrawal" if application.kind == "withdraw" else "preservation",
                                       application=application, reasons=reasons,
                                       amount=application.details.get("amount", ""))
    _serve_decision(application, actor)
    return ruling


def _render_decision(application):
    from app.services import pdf, signatures, storage
    case = application.case
    verdict = "准许" if application.state == "granted" else "不予准许"
    body = [f"{application.party.name}于{application.created_at.date().isoformat()}提出{TITLES[application.kind]}。",
            f"申请理由：{application.reason}"]
    body += [f"{DETAIL_CN.get(k, k)}：{v}" for k, v in application.details.items() if v]
    body += [f"本院认为：{application.decision_reasons}", f"本院决定：对该申请{verdict}。"]
    data = dict(court_name=case.court.name, case_number=case.number, title="申请处理决定书",
                parties=[], paragraphs=body, judge_name=application.decided_by.name if application.decided_by else "",
                clerk_name="", signed_at=application.decided_at)
    digest = signatures.content_hash(data)
    data.update(content_hash=digest, verification_code=signatures.verification_code(digest, "application"))
    stored = storage.save_bytes(pdf.render_court_document(data),
                                name=f"{case.number}-申请处理决定书-{application.id}.pdf",
                                content_type="application/pdf", case=case)
    application.decision_file_id = stored.id
    return stored


def _serve_decision(application, actor):
    """Served electronically when the applicant accepts e-service; otherwise the clerk serves on paper."""
    from app.services import consent as consent_service, court_documents, e_service
    case, party = application.case, application.party
    court_documents.ensure_filer_consent(case, party, actor)
    consent = consent_service.current(case, party, "e_service")
    if consent is None or not consent.given or (party.user is None and party.lawyer is None):
        return None
    try:
        return e_service.serve(case, party, actor, stored_file=application.decision_file, kind="notice",
                               title="申请处理决定书")
    except (e_service.NoAccount, e_service.UnconfirmedAddress):
        return None  # no confirmed service address: the clerk serves it on paper


def record_special_authority(case, party, actor, granted=True):
    """The court records that the power of attorney gives the lawyer special authority (特别授权)."""
    if not lifecycle.may_act(case, actor, ("court",)):
        raise NotAllowed()
    if party.case_id != case.id or party.lawyer_id is None:
        raise InvalidState()
    party.lawyer_special_authority = bool(granted)
    db.session.flush()
    record_event(case, actor, "special_authority_recorded", party_id=party.id, granted=bool(granted))
    return party
