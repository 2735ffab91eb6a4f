"""Court documents (裁判文书): the judge drafts a judgment (判决书), ruling (裁定书) or mediation document
(调解书) from a template filled with the case's data; the judge signs the exact text, the clerk countersigns
it, and it is sealed and rendered to PDF (issued). It is served through e-service; its legal effect is
computed from the service log, and a certificate of effect (生效证明) follows, closing the case.

Effect: a judgment 15 days and an appealable ruling (不予受理, 驳回起诉) 10 days after the last party was
served (the day of service not counted; the document takes effect the day after the last appeal period
ends, with no appeal lodged); a 调解书 when every party has signed for it (签收, the acknowledgment of
service); other rulings (准予撤诉, 保全, 按撤诉处理) on service. Holidays at the end of a period are not yet
moved to the next working day (CPL art. 85): the court's calendar is not in MicroCourt.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import CaseParty, ServiceOfDocument, utcnow
from app.models.court_document import CourtDocument, RULING_TYPES
from app.services import lifecycle, signatures
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event

TITLES = {"judgment": "民事判决书", "ruling": "民事裁定书", "mediation": "民事调解书"}
APPEAL_DAYS = {"judgment": 15, "not_accepted": 10, "dismissal": 10}
ROLE_CN = {"plaintiff": "原告", "defendant": "被告", "third_party": "第三人", "applicant": "申请人",
           "respondent": "被申请人"}
PROCEDURE_CN = {"ordinary": "普通程序", "simplified": "简易程序", "small_claims": "小额诉讼程序"}
ID_CN = {"resident_id": "公民身份号码", "passport": "护照号码", "hk_macao_permit": "港澳居民来往内地通行证号码",
         "taiwan_permit": "台湾居民来往大陆通行证号码", "uscc": "统一社会信用代码"}
# What issuing a document does to the case (lifecycle action), by kind or ruling type.
ON_ISSUE = {"judgment": "decide", "not_accepted": "decide", "dismissal": "decide", "withdrawal": "withdraw_suit",
            "deemed_withdrawal": "deem_withdrawn"}
# How a case closes when the document takes effect.
ON_EFFECT = {"judgment": "judgment_effective", "not_accepted": "not_accepted", "dismissal": "dismissed",
             "mediation": "mediation_effective"}


class NotSigned(InvalidState):
    message = N_("The judge and the clerk must both sign before the document is sealed and served.")


class ChangedSinceShown(InvalidState):
    message = N_("The text changed after you opened it; read it again and sign.")


class NotDraft(InvalidState):
    message = N_("This document is signed and can no longer be changed.")


class EmptyDocument(DomainError):
    message = N_("Write the operative part (判决主文) before drafting: what the court decides.")


class NoMediationAgreement(InvalidState):
    message = N_("A mediation document needs an agreement signed by every party first.")


def _judge(case, actor):
    """The case's judge (or, before one is assigned, a judge of the court)."""
    return bool(actor is not None and actor.is_staff and actor.role == "judge" and actor.court_id == case.court_id
                and (case.judge_id is None or case.judge_id == actor.id))


def _clerk(case, actor):
    return bool(actor is not None and actor.is_staff and actor.role == "clerk" and actor.court_id == case.court_id)


def can_draft(case, user):
    return bool(getattr(user, "is_authenticated", False)) and _judge(case, user)


def party_line(p):
    details = party_details(p)
    return f"{ROLE_CN.get(p.role, '')}：{p.name}" + (f"，{details}" if details else "") + "。"


def party_details(p):
    """What a court document says of a party after its name: its ID, who represents it, its agent."""
    details = []
    if p.id_number:
        details.append(f"{ID_CN.get(p.id_type or 'resident_id', '证件号码')}{p.id_number}")
    if p.representative_name:
        title = "法定代表人" if p.party_type == "legal_person" else "主要负责人"
        details.append(f"{title}：{p.representative_name}" + (f"，{p.representative_title}" if p.representative_title else ""))
    if p.agent_name:
        details.append(f"委托诉讼代理人：{p.agent_name}" + (f"，{p.agent_title}" if p.agent_title else ""))
    return "；".join(details)


def _names(case, roles):
    return "、".join(p.name for p in case.parties if p.role in roles) or "—"


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def template(case, kind, ruling_type=None, *, defence="", findings="", reasoning="", orders="", fee_burden="",
             reasons="", amount="", agreement_terms=None):
    """The document's paragraphs, from the case's data and what the judge wrote (Chinese: the court's text)."""
    from app.services.fees import fee_for
    from app.services.court_time import tz
    plaintiffs, defendants = _names(case, ("plaintiff", "applicant")), _names(case, ("defendant", "respondent"))
    accepted = case.accepted_at.astimezone(tz()).date() if case.accepted_at else None
    opening = (f"原告{plaintiffs}与被告{defendants}{case.title}一案，本院于"
               f"{accepted.year}年{accepted.month}月{accepted.day}日立案后，" if accepted
               else f"原告{plaintiffs}与被告{defendants}{case.title}一案，本院立案后，")
    fee = fee_for(case)
    out = []
    if kind == "judgment":
        orders = _lines(orders)
        if not orders:
            raise EmptyDocument()
        out.append(opening + f"依法适用{PROCEDURE_CN.get(case.procedure, '普通程序')}进行了审理。本案现已审理终结。")
        out.append(f"原告{plaintiffs}向本院提出诉讼请求：{case.claims.strip()}事实和理由：{case.facts.strip()}")
        out.append(f"被告{defendants}辩称：{defence.strip() or '（未答辩）'}")
        out.append(f"本院查明：{findings.strip()}")
        out.append(f"本院认为：{reasoning.strip()}")
        out.append("依照《中华人民共和国民事诉讼法》的有关规定，判决如下：")
        out += [f"{n}、{o}" for n, o in zip("一二三四五六七八九十", orders)]
        if fee is not None:
            out.append(f"案件受理费{fee.assessed:,.2f}元，由{fee_burden.strip() or defendants}负担。")
        out.append("如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，并按照对方当事人的人数提出副本，"
                   "上诉于上一级人民法院。")
    elif kind == "ruling":
        if ruling_type not in RULING_TYPES:
            raise InvalidState()
        out.append(opening + "本院依法进行了审查。")
        if reasons.strip():
            out.append(f"本院认为：{reasons.strip()}")
        order = {"not_accepted": f"对{plaintiffs}的起诉，本院不予受理。",
                 "dismissal": f"驳回原告{plaintiffs}的起诉。",
                 "withdrawal": f"准许原告{plaintiffs}撤回起诉。",
                 "preservation": f"查封、扣押、冻结被申请人{defendants}名下价值人民币{amount or '（金额）'}元的财产。",
                 "deemed_withdrawal": f"本案按原告{plaintiffs}撤回起诉处理。"}[ruling_type]
        out.append("依照《中华人民共和国民事诉讼法》的有关规定，裁定如下：")
        out.append(order)
        if ruling_type in ("withdrawal", "deemed_withdrawal") and fee is not None:
            out.append(f"案件受理费{fee.assessed:,.2f}元，减半收取{fee.assessed / 2:,.2f}元，由原告{plaintiffs}负担。")
        if ruling_type in APPEAL_DAYS:
            out.append("如不服本裁定，可以在裁定书送达之日起十日内，向本院递交上诉状，上诉于上一级人民法院。")
        elif ruling_type == "preservation":
            out.append("本裁定立即开始执行。如不服本裁定，可以自收到裁定书之日起五日内向本院申请复议一次。"
                       "复议期间不停止裁定的执行。")
        else:
            out.append("本裁定送达后即发生法律效力。")
    else:
        if not agreement_terms:
            raise NoMediationAgreement()
        out.append(opening + f"依法适用{PROCEDURE_CN.get(case.procedure, '普通程序')}进行了审理。")
        out.append(f"原告{plaintiffs}向本院提出诉讼请求：{case.claims.strip()}")
        out.append("本案审理过程中，经本院主持调解，当事人自愿达成如下协议：")
        out += [f"{n}、{t}" for n, t in zip("一二三四五六七八九十", agreement_terms)]
        out.append("上述协议，不违反法律规定，本院予以确认。")
        out.append("本调解书经各方当事人签收后，即具有法律效力。")
    return out


def _agreement_terms(case):
    from app.models import MediationAgreement
    from app.services.mediation import terms_list
    agreement = db.session.scalar(select(MediationAgreement).where(
        MediationAgreement.case_id == case.id, MediationAgreement.state == "signed")
        .order_by(MediationAgreement.id.desc()).limit(1))
    return terms_list(case, agreement.current.terms) if agreement is not None else None


def draft(case, actor, kind, ruling_type=None, application=None, **fields):
    """A new draft from the template. Mediation documents need a signed agreement and a mediated case."""
    if not _judge(case, actor):
        raise NotAllowed()
    lifecycle.lock(case)
    if kind not in TITLES:
        raise InvalidState()
    if kind == "mediation":
        if case.state != "mediated":
            raise NoMediationAgreement()
        fields["agreement_terms"] = _agreement_terms(case)
    elif case.state not in lifecycle.ACTIVE:
        raise lifecycle.WrongState()
    paragraphs = template(case, kind, ruling_type if kind == "ruling" else None, **fields)
    doc = CourtDocument(case_id=case.id, kind=kind, ruling_type=ruling_type if kind == "ruling" else None,
                        title=TITLES[kind], paragraphs=paragraphs, created_by_id=actor.id,
                        application_id=application.id if application is not None else None)
    db.session.add(doc)
    db.session.flush()
    record_event(case, actor, "court_document_drafted", document_id=doc.id, document_kind=kind,
                 ruling_type=doc.ruling_type, title=doc.title)
    return doc


def _lock(doc):
    db.session.execute(select(CourtDocument).where(CourtDocument.id == doc.id).with_for_update()
                       .execution_options(populate_existing=True)).scalar_one()
    return doc


def update_draft(doc, actor, text, expect_revision=None):
    if not _judge(doc.case, actor):
        raise NotAllowed()
    _lock(doc)
    if doc.state != "draft":
        raise NotDraft()
    if expect_revision is not None and int(expect_revision) != doc.revision:
        raise ChangedSinceShown()
    paragraphs = _lines(text)
    if not paragraphs:
        raise EmptyDocument()
    doc.paragraphs, doc.revision = paragraphs, doc.revision + 1
    db.session.flush()
    record_event(doc.case, actor, "court_document_edited", document_id=doc.id, revision=doc.revision)
    return doc


def document_data(doc):
    """What goes into the PDF, and what the judge and the clerk sign (by its hash)."""
    case = doc.case
    return dict(court_name=case.court.name, case_number=case.number, title=doc.title,
                parties=[dict(role_label=ROLE_CN.get(p.role, ""), name=p.name, details=party_details(p))
                         for p in case.parties],
                paragraphs=list(doc.paragraphs))


def current_hash(doc):
    return signatures.content_hash(document_data(doc))


def sign_as_judge(doc, actor, confirmed_hash):
    """The judge signs the exact text shown (its hash)."""
    if not _judge(doc.case, actor):
        raise NotAllowed()
    _lock(doc)
    if doc.state != "draft":
        raise NotDraft()
    digest = current_hash(doc)
    if (confirmed_hash or "").strip().lower() != digest:
        raise ChangedSinceShown()
    doc.state, doc.content_hash, doc.judge_id, doc.judge_signed_at = "signed", digest, actor.id, utcnow()
    db.session.flush()
    record_event(doc.case, actor, "court_document_signed", document_id=doc.id, role="judge", content_hash=digest)
    return doc


def reopen(doc, actor):
    """The judge takes a signed (not yet issued) document back to change it: the signature falls away."""
    if not _judge(doc.case, actor):
        raise NotAllowed()
    _lock(doc)
    if doc.state != "signed":
        raise NotDraft()
    doc.state, doc.content_hash, doc.judge_id, doc.judge_signed_at = "draft", None, None, None
    doc.revision += 1
    db.session.flush()
    record_event(doc.case, actor, "court_document_reopened", document_id=doc.id)
    return doc


def countersign_and_issue(doc, actor, confirmed_hash, ground=None):
    """The clerk countersigns the hash the judge signed; the document is sealed, rendered and filed, and
    its effect on the case (decided, 撤诉, 按撤诉处理) is made through the lifecycle."""
    case = doc.case
    if not _clerk(case, actor):
        raise NotAllowed()
    _lock(doc)
    if doc.state == "draft":
        raise NotSigned()
    if doc.state != "signed":
        raise InvalidState()
    if (confirmed_hash or "").strip().lower() != doc.content_hash or current_hash(doc) != doc.content_hash:
        raise ChangedSinceShown()
    action = ON_ISSUE.get(doc.ruling_type or doc.kind)
    if doc.ruling_type == "deemed_withdrawal" and ground == "fee_not_paid":
        from app.services import fees
        fee = fees.fee_for(case)
        if fee is not None:
            fees.check_deemed_withdrawal(fee)
    if action:
        lifecycle.transition(case, action, doc.judge, document_id=doc.id, ground=ground)
    elif doc.kind == "mediation" and case.state != "mediated":
        raise lifecycle.WrongState()
    now = utcnow()
    doc.clerk_id, doc.clerk_signed_at, doc.issued_at, doc.state = actor.id, now, now, "issued"
    _render(doc)
    record_event(case, actor, "court_document_issued", document_id=doc.id, role="clerk", content_hash=doc.content_hash,
                 file_id=doc.file_id, verification_code=doc.verification_code, title=doc.title)
    return doc


def _render(doc):
    from app.services import pdf, storage
    data = document_data(doc)
    from app.models import User
    data.update(judge_name=doc.judge.name if doc.judge else None, clerk_name=db.session.get(User, doc.clerk_id).name,
                signed_at=doc.issued_at, content_hash=doc.content_hash)
    doc.verification_code = signatures.verification_code(doc.content_hash, "court_document")
    data["verification_code"] = doc.verification_code
    data["verification_url"] = current_app.config["BASE_URL"].rstrip("/") + f"/verify/{doc.verification_code}"
    stored = storage.save_bytes(pdf.render_court_document(data), name=f"{doc.case.number}-{doc.title}-{doc.id}.pdf",
                                content_type="application/pdf", case=doc.case)
    doc.file_id = stored.id
    db.session.flush()
    return stored


# --------------------------------------------------------------------------- service and effect

def ensure_filer_consent(case, party, actor):
    """The filing side chose online litigation when it filed: its address in the filing is its e-service
    address (address given in a pleading)."""
    from app.services import consent as consent_service, e_service
    if consent_service.current(case, party, "e_service") is not None:
        return
    if case.filed_by_id in (party.user_id, party.lawyer_id):
        user = party.lawyer if party.lawyer_id == case.filed_by_id else party.user
        if user is not None and user.phone:
            e_service.record_consent(case, party, actor, "address_in_pleading", address=user.phone)
            # The filer gave this number in the filing, signed in with it: it is the filer's own
            # number, confirmed as the service address in the filer's name.
            e_service.confirm_own_number(case, party, user)


def serve(doc, actor):
    """Serve the issued document to every party who accepts e-service; returns (served, on_paper)."""
    from app.services import consent as consent_service, e_service
    case = doc.case
    if not (actor.is_staff and actor.court_id == case.court_id):
        raise NotAllowed()
    if doc.state == "draft" or doc.state == "signed":
        raise NotSigned()
    already = {s.party_id for s in services_of(doc)}
    served, paper = [], []
    for party in case.parties:
        if party.id in already:
            continue
        ensure_filer_consent(case, party, actor)
        consent = consent_service.current(case, party, "e_service")
        if consent is None or not consent.given or (party.user is None and party.lawyer is None):
            paper.append(party)
            continue
        try:
            served.append(e_service.serve(case, party, actor, stored_file=doc.file,
                                          kind="judgment" if doc.kind == "judgment" else "other", title=doc.title))
        except (e_service.NoAccount, e_service.UnconfirmedAddress):
            paper.append(party)  # no confirmed service address: the clerk serves this one on paper
    record_event(case, actor, "court_document_served", document_id=doc.id,
                 served=[s.party_id for s in served], on_paper=[p.id for p in paper])
    return served, paper


def services_of(doc):
    if doc.file_id is None:
        return []
    return db.session.scalars(select(ServiceOfDocument).where(ServiceOfDocument.file_id == doc.file_id)
                              .order_by(ServiceOfDocument.id)).all()


def effective_on(doc, refresh=False):
    """The day the document takes legal effect, when it can be known from the service log; else None.
    `refresh` first copies the gateway's delivery receipts into the log (a write: not on GET)."""
    from app.services import e_service
    from app.services.court_time import today as local_today
    if doc.state not in ("issued", "effective"):
        return None
    services = {s.party_id: s for s in services_of(doc)}
    parties = db.session.scalars(select(CaseParty).where(CaseParty.case_id == doc.case_id)).all()
    if any(p.id not in services for p in parties):
        return None  # someone is still to be served (on paper: the clerk records it there)
    if refresh:
        for s in services.values():
            e_service.refresh(s)
    if doc.kind == "mediation":
        acks = [min((a.acknowledged_at for a in s.attempts if a.acknowledged_at), default=None)
                for s in services.values()]
        if any(a is None for a in acks):
            return None
        return local_today(max(acks))
    moments = [s.effective_at for s in services.values()]
    if any(m is None for m in moments):
        return None
    last_served = local_today(max(moments))
    days = APPEAL_DAYS.get(doc.ruling_type or doc.kind)
    return last_served + timedelta(days=days + 1) if days else last_served


def make_effective(doc, today=None):
    """Mark the document effective when its day has come, file the 生效证明 and close the case. Idempotent."""
    from app.services.court_time import today as local_today
    _lock(doc)
    if doc.state != "issued":
        return False
    day = effective_on(doc, refresh=True)
    if day is None or (today or local_today()) < day:
        return False
    doc.state, doc.effective_on = "effective", day
    _render_certificate(doc)
    record_event(doc.case, None, "court_document_effective", document_id=doc.id, effective_on=day.isoformat(),
                 certificate_file_id=doc.certificate_file_id)
    reason = ON_EFFECT.get(doc.ruling_type or doc.kind)
    if reason and doc.case.state in lifecycle.CLOSE_REASONS[reason]:
        lifecycle.transition(doc.case, "close", None, reason=reason, document_id=doc.id)
    return True


def _render_certificate(doc):
    from app.services import pdf, storage
    from app.services.court_time import today as local_today
    case = doc.case
    lines = []
    for s in services_of(doc):
        when = local_today(s.effective_at).isoformat() if s.effective_at else "—"
        lines.append(f"{s.party.name}于{when}电子送达")
    basis = {"judgment": "上诉期限届满，当事人未提起上诉。", "not_accepted": "上诉期限届满，当事人未提起上诉。",
             "dismissal": "上诉期限届满，当事人未提起上诉。", "mediation": "各方当事人均已签收。"}.get(
        doc.ruling_type or doc.kind, "")
    data = dict(court_name=case.court.name, case_number=case.number, document_title=doc.title,
                party_names=[p.name for p in case.parties], service_lines=lines, effective_on=doc.effective_on,
                basis=basis, issued_at=utcnow())
    data["verification_code"] = signatures.verification_code(doc.content_hash, "certificate_of_effect")
    stored = storage.save_bytes(pdf.render_certificate_of_effect(data), name=f"{case.number}-生效证明-{doc.id}.pdf",
                                content_type="application/pdf", case=case)
    doc.certificate_file_id = stored.id
    db.session.flush()
    return stored


def sweep_effects(today=None):
    """Periodic: issued documents whose day of effect has come. Safe to run twice."""
    ids = db.session.scalars(select(CourtDocument.id).where(CourtDocument.state == "issued")
                             .order_by(CourtDocument.id).limit(500)).all()
    return sum(1 for i in ids if make_effective(db.session.get(CourtDocument, i), today))


def documents_of(case, user):
    rows = db.session.scalars(select(CourtDocument).where(CourtDocument.case_id == case.id)
                              .order_by(CourtDocument.id)).all()
    return [d for d in rows if d.can_view(user)]
