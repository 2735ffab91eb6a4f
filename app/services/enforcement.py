"""Enforcement (执行) rules: the application's enforceable instrument (执行依据), the case group
(一案一群) opened on acceptance, property clues (财产线索), the money ledger (案款), the applicant's
confirmation of receipt and closing as completed (执行完毕)."""
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Case, utcnow
from app.models.enforcement import (CLUE_ACTIONS, CLUE_KINDS, DUE_KINDS, INSTRUMENT_KINDS, ClueAction,
                                    ExecutionCase, LedgerEntry, PropertyClue, ReceiptConfirmation)
from app.services import signatures, storage
from app.services.errors import DomainError, InvalidState, N_, NotAllowed
from app.services.events import record_event

APPLICANT, RESPONDENT = "applicant", "respondent"


class BadAmount(DomainError):
    message = N_("Enter an amount of yuan greater than zero, for example 23084 or 23084.50.")


class PaymentTooLarge(DomainError):
    message = N_("This payment (%(amount)s yuan) is larger than what is still owed (%(outstanding)s yuan).")


class PayoutTooLarge(DomainError):
    message = N_("The court holds only %(held)s yuan for this case; it cannot pay out %(amount)s yuan.")


class BadInstrument(DomainError):
    message = N_("Name the enforceable instrument: a judgment, ruling or mediation document of this court system with its effective date, or upload it with its proof of effect.")


class BadDate(DomainError):
    message = N_("Enter a date like 2026-12-01.")


class NothingToEnforce(DomainError):
    message = N_("Enter the amount to enforce or the act the respondent must perform.")


class UnconfirmedPayments(InvalidState):
    message = N_("Some payments reported by the respondent are not yet confirmed by the court. Confirm or remove them first.")


class StillOutstanding(InvalidState):
    message = N_("%(outstanding)s yuan is still outstanding; the case cannot be closed as completed.")


class NotOpen(InvalidState):
    message = N_("This enforcement case is not in progress.")


class EmptyText(DomainError):
    message = N_("Enter a description.")


# --------------------------------------------------------------------------- who is who

def is_court(case, user):
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff
                and user.court_id == case.court_id)


def _side(case, user, role):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(p.role == role and user.id in (p.user_id, p.lawyer_id) for p in case.parties)


def is_applicant(case, user):
    """The applicant for enforcement (申请执行人), or their lawyer, or the account that filed for them."""
    return _side(case, user, APPLICANT) or bool(
        getattr(user, "is_authenticated", False) and user.id == case.filed_by_id and not _side(case, user, RESPONDENT))


def is_respondent(case, user):
    """The person against whom enforcement runs (被执行人), or their lawyer."""
    return _side(case, user, RESPONDENT)


def execution_for(case):
    return db.session.scalar(select(ExecutionCase).where(ExecutionCase.case_id == case.id))


def _lock(execution):
    return db.session.scalars(select(ExecutionCase).where(ExecutionCase.id == execution.id)
                              .with_for_update().execution_options(populate_existing=True)).one()


# --------------------------------------------------------------------------- parsing

def parse_amount(raw, allow_empty=False):
    """Yuan as a Decimal with at most two decimals; never a float."""
    text = (str(raw) if raw is not None else "").replace(",", "").replace("，", "").replace("元", "").strip()
    if not text:
        if allow_empty:
            return None
        raise BadAmount()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadAmount() from None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e12") or value != value.quantize(Decimal("0.01")):
        raise BadAmount()
    return value.quantize(Decimal("0.01"))


def parse_date(raw, allow_empty=False):
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if not text:
        if allow_empty:
            return None
        raise BadDate()
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadDate() from None


def yuan(value):
    return f"{(value or Decimal('0')):,.2f}"


# --------------------------------------------------------------------------- 1. applying

def instrument_choices(case):
    """Judgments, rulings and mediation documents of this system that may ground the application:
    closed or mediated cases of the filer's own, in any court."""
    from app.models import CaseParty
    user_id = case.filed_by_id
    q = (select(Case).join(CaseParty, CaseParty.case_id == Case.id)
         .where(Case.state.in_(("mediated", "closed")), Case.kind != "enforcement", Case.case_number.is_not(None),
                (CaseParty.user_id == user_id) | (CaseParty.lawyer_id == user_id) | (Case.filed_by_id == user_id))
         .distinct().order_by(Case.id.desc()).limit(50))
    return db.session.scalars(q).all()


def set_application(case, actor, *, instrument_kind, effective_on, instrument_case=None, instrument_number="",
                    instrument_upload=None, proof_upload=None, amount=None, act=""):
    """Record or update, while the filing is still editable, what the application enforces."""
    from app.services.filing import _must_file, NotEditable
    _must_file(case, actor)
    if case.kind != "enforcement":
        raise InvalidState()
    if case.state not in ("draft", "needs_correction"):
        raise NotEditable()
    if instrument_kind not in INSTRUMENT_KINDS:
        raise BadInstrument()
    effective_on = parse_date(effective_on)
    amount = parse_amount(amount, allow_empty=True)
    act = (act or "").strip()[:4000]
    if amount is None and not act:
        raise NothingToEnforce()
    existing = execution_for(case)
    if instrument_case is not None:
        if instrument_case not in instrument_choices(case):
            raise BadInstrument()
        source, number = "system", instrument_case.case_number
    else:
        number = (instrument_number or "").strip()[:64]
        have_file = instrument_upload is not None or (existing is not None and existing.instrument_file_id)
        have_proof = proof_upload is not None or (existing is not None and existing.proof_file_id)
        if not number or not have_file or not have_proof:
            raise BadInstrument()
        source = "upload"
    ex = existing or ExecutionCase(case_id=case.id, created_by_id=actor.id)
    ex.instrument_source, ex.instrument_kind, ex.instrument_number = source, instrument_kind, number
    ex.instrument_case_id = instrument_case.id if instrument_case is not None else None
    if source == "upload":
        if instrument_upload is not None:
            ex.instrument_file_id = storage.save_upload(instrument_upload, kind="document", actor=actor, case=case).id
        if proof_upload is not None:
            ex.proof_file_id = storage.save_upload(proof_upload, kind="document", actor=actor, case=case).id
    else:
        ex.instrument_file_id = ex.proof_file_id = None
    ex.effective_on, ex.amount, ex.act = effective_on, amount, act
    if amount is not None:
        case.amount = amount
    db.session.add(ex)
    db.session.flush()
    record_event(case, actor, "enforcement_application_set", instrument_kind=instrument_kind, source=source,
                 instrument_number=number, effective_on=effective_on.isoformat(),
                 amount=str(amount) if amount is not None else None, act=act)
    return ex


def application_problems(case):
    """What an enforcement filing still lacks, in the filing checklist's (msgid, params) form."""
    if case.kind != "enforcement" or execution_for(case) is not None:
        return []
    return [(N_("Name the enforceable instrument and what is to be enforced (enforcement application)."), {})]


# --------------------------------------------------------------------------- 2. the case group

def _close_case(case, actor, reason):
    """The one place the case itself changes state when enforcement ends: the case lifecycle closes it."""
    from app.services import lifecycle
    # On the applicant's confirmed receipt the court's rule closes the case (the system acts, the
    # confirmation event names the applicant); otherwise the judge closes it.
    lifecycle.transition(case, "close", actor if case.court.is_staff(actor) else None, reason=reason)


def on_accepted(case, actor):
    """Acceptance of an enforcement case: the ledger's principal and the standing case group (一案一群)."""
    ex = execution_for(case)
    if case.kind != "enforcement" or ex is None:
        return None
    if ex.amount is not None and not any(e.kind == "principal" for e in ex.entries):
        db.session.add(LedgerEntry(execution=ex, kind="principal", amount=ex.amount, on_date=ex.effective_on,
                                   note="执行依据确定的金额", recorded_by_id=actor.id, confirmed_at=utcnow(),
                                   confirmed_by_id=actor.id))
    if ex.hearing_id is None:
        ex.hearing = _open_group(case, actor)
    db.session.flush()
    return ex


def _open_group(case, actor):
    from app.models import Hearing
    from app.services.hearings import _add_participant
    hearing = Hearing(case=case, purpose="enforcement_talk", mode="async", opened_by_id=actor.id,
                      title=f"{case.number} 一案一群")
    db.session.add(hearing)
    db.session.flush()
    record_event(case, actor, "case_group_opened", hearing_id=hearing.id)
    if case.judge is not None:
        _add_participant(hearing, actor, case.judge, "judge")
    if actor.role in ("judge", "clerk"):
        _add_participant(hearing, actor, actor, actor.role)
    for party in case.parties:
        join_group(case, party, actor, hearing=hearing)
    return hearing


def join_group(case, party, actor, hearing=None):
    """Put a party's accounts in the group (on acceptance, or when the respondent joins later)."""
    from app.services.hearings import _add_participant
    if hearing is None:
        ex = execution_for(case)
        hearing = ex.hearing if ex is not None else None
    if hearing is None:
        return
    if party.user is not None:
        _add_participant(hearing, actor, party.user, party.role, party)
    if party.lawyer is not None:
        _add_participant(hearing, actor, party.lawyer, "lawyer", party)


# --------------------------------------------------------------------------- 3. property clues

def submit_clue(case, actor, *, kind, description, upload=None, key=None):
    if not is_applicant(case, actor):
        raise NotAllowed()
    ex = _require_open(case)
    if kind not in CLUE_KINDS:
        raise DomainError()
    description = (description or "").strip()
    if not description:
        raise EmptyText()
    if key:
        same = db.session.scalar(select(PropertyClue).where(PropertyClue.submitted_by_id == actor.id,
                                                            PropertyClue.idempotency_key == key[:64]))
        if same is not None:
            return same
    attachment_id = storage.save_upload(upload, kind="evidence", actor=actor, case=case).id if upload else None
    clue = PropertyClue(execution=ex, kind=kind, description=description[:4000], submitted_by_id=actor.id,
                        idempotency_key=(key or None) and key[:64], attachment_id=attachment_id)
    db.session.add(clue)
    db.session.flush()
    # The event stays in the dossier but says no more than "a clue": the respondent may read the case record.
    record_event(case, actor, "property_clue_submitted", clue_id=clue.id, restricted=True)
    return clue


def record_clue_action(clue, actor, *, action, done_on, until=None, note=""):
    case = clue.execution.case
    if not is_court(case, actor):
        raise NotAllowed()
    if action not in CLUE_ACTIONS:
        raise DomainError()
    row = ClueAction(clue=clue, action=action, done_on=parse_date(done_on), until=parse_date(until, allow_empty=True),
                     note=(note or "").strip()[:4000], recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record_event(case, actor, "property_clue_handled", clue_id=clue.id, action=action,
                 done_on=row.done_on.isoformat(), restricted=True)
    return row


def clues_awaiting(court_id):
    """Clues of open cases in this court that nobody has handled yet."""
    q = (select(PropertyClue).join(ExecutionCase).join(Case, Case.id == ExecutionCase.case_id)
         .where(Case.court_id == court_id, ExecutionCase.status == "open", ~PropertyClue.actions.any())
         .order_by(PropertyClue.id))
    return db.session.scalars(q).all()


# --------------------------------------------------------------------------- 4. money

def _require_open(case):
    ex = execution_for(case)
    if ex is None:
        raise InvalidState()
    if ex.status not in ("open", "suspended"):
        raise NotOpen()
    return ex


def totals(ex):
    """Everything about the money, derived from the ledger alone."""
    zero = Decimal("0.00")
    due = sum((e.amount for e in ex.entries if e.kind in DUE_KINDS), zero)
    paid = sum((e.amount for e in ex.entries if e.kind == "payment" and e.confirmed_at), zero)
    unconfirmed = sum((e.amount for e in ex.entries if e.kind == "payment" and not e.confirmed_at), zero)
    paid_out = sum((e.amount for e in ex.entries if e.kind == "payout"), zero)
    return dict(due=due, paid=paid, unconfirmed=unconfirmed, paid_out=paid_out, outstanding=due - paid,
                held=paid - paid_out)


def record_entry(case, actor, *, kind, amount, on_date, note="", proof=None, key=None):
    """Add a ledger line. The court records anything; the respondent reports a payment, with proof.
    With a form key, the same form sent twice records one line (the first)."""
    court = is_court(case, actor)
    if not court and not (kind == "payment" and is_respondent(case, actor)):
        raise NotAllowed()
    ex = _lock(_require_open(case))
    key = (key or "").strip()[:64] or None
    if key:
        same = db.session.scalar(select(LedgerEntry).where(LedgerEntry.recorded_by_id == actor.id,
                                                           LedgerEntry.idempotency_key == key))
        if same is not None:
            return same
    amount = parse_amount(amount)
    on_date = parse_date(on_date)
    t = totals(ex)
    if kind == "payment" and amount > t["outstanding"] - t["unconfirmed"]:
        raise PaymentTooLarge(amount=yuan(amount), outstanding=yuan(t["outstanding"] - t["unconfirmed"]))
    if kind == "payout" and amount > t["held"]:
        raise PayoutTooLarge(amount=yuan(amount), held=yuan(t["held"]))
    if kind not in ("principal", "interest", "costs", "payment", "payout"):
        raise DomainError()
    if not court and proof is None:
        raise DomainError(N_("Attach proof of the payment (a bank slip or a screenshot)."))
    proof_id = storage.save_upload(proof, kind="document", actor=actor, case=case).id if proof is not None else None
    entry = LedgerEntry(execution=ex, kind=kind, amount=amount, on_date=on_date, note=(note or "").strip()[:2000],
                        recorded_by_id=actor.id, proof_id=proof_id, idempotency_key=key)
    if court:
        entry.confirmed_at, entry.confirmed_by_id = utcnow(), actor.id
    db.session.add(entry)
    db.session.flush()
    record_event(case, actor, "ledger_entry", entry_id=entry.id, entry_kind=kind, amount=str(amount),
                 on_date=on_date.isoformat(), confirmed=bool(court))
    return entry


def confirm_payment(entry, actor):
    case = entry.execution.case
    if not is_court(case, actor):
        raise NotAllowed()
    _lock(entry.execution)
    if entry.kind != "payment" or entry.confirmed_at:
        raise InvalidState()
    entry.confirmed_at, entry.confirmed_by_id = utcnow(), actor.id
    record_event(case, actor, "payment_confirmed", entry_id=entry.id, amount=str(entry.amount))
    return entry


# --------------------------------------------------------------------------- 6. closing as completed

def _confirmation_text(case, amount):
    applicant = "、".join(p.name for p in case.parties if p.role == APPLICANT)
    return (f"本人{applicant}确认：已收到（{case.number}）执行案件的执行款人民币{yuan(amount)}元，"
            f"同意本案以执行完毕结案。")


def confirmation_hash(conf):
    return signatures.content_hash({"confirmation": conf.id, "case": conf.execution.case.number,
                                    "amount": str(conf.amount), "text": conf.text})


def request_receipt_confirmation(case, actor, *, deadline):
    """Ask the applicant, in the group, to confirm receipt and agree to close (an item with a deadline)."""
    from app.services.hearings import post_item
    if not is_court(case, actor):
        raise NotAllowed()
    ex = _lock(_require_open(case))
    t = totals(ex)
    if t["unconfirmed"]:
        raise UnconfirmedPayments()
    if t["outstanding"] > 0:
        raise StillOutstanding(outstanding=yuan(t["outstanding"]))
    pending = db.session.scalar(select(ReceiptConfirmation).where(ReceiptConfirmation.execution_id == ex.id,
                                                                  ReceiptConfirmation.state == "pending"))
    if pending is not None:
        return pending
    amount = t["paid_out"] or t["paid"]
    conf = ReceiptConfirmation(execution=ex, amount=amount, text=_confirmation_text(case, amount),
                               requested_by_id=actor.id, content_hash="")
    db.session.add(conf)
    db.session.flush()
    conf.content_hash = confirmation_hash(conf)
    applicants = [p for p in case.parties if p.role == APPLICANT]
    if ex.hearing is not None and applicants:
        with force_locale("zh"):
            text = _("Please confirm that you received %(amount)s yuan and agree to close the case as completed: %(url)s",
                     amount=yuan(amount), url=f"/enforcement/cases/{case.id}/confirmations/{conf.id}")
        conf.item = post_item(ex.hearing, actor, text, parties=applicants, deadline=deadline)
    record_event(case, actor, "receipt_confirmation_requested", confirmation_id=conf.id, amount=str(amount),
                 content_hash=conf.content_hash)
    return conf


def confirm_receipt(conf, actor, face_session, confirmed_hash):
    """The applicant confirms receipt (face check and signature); the case closes as 执行完毕."""
    ex = conf.execution
    case = ex.case
    if not is_applicant(case, actor):
        raise NotAllowed(N_("Only the applicant for enforcement can confirm receipt."))
    ex = _lock(ex)
    db.session.refresh(conf)
    if conf.state == "confirmed" and conf.confirmed_by_id == actor.id:
        return conf  # the same person tapped twice: same answer
    if conf.state != "pending":
        raise InvalidState()
    if ex.status not in ("open", "suspended"):
        raise NotOpen()
    t = totals(ex)
    if t["unconfirmed"]:
        raise UnconfirmedPayments()
    if t["outstanding"] > 0:
        raise StillOutstanding(outstanding=yuan(t["outstanding"]))
    application = signatures.apply_signature(actor, face_session, "enforcement", conf.id, conf.content_hash,
                                             confirmed_hash)
    conf.state, conf.confirmed_at, conf.confirmed_by_id = "confirmed", utcnow(), actor.id
    conf.signature_application_id = application.id
    if conf.item is not None and conf.item.state == "open":
        conf.item.state = "closed"
    record_event(case, actor, "receipt_confirmed", confirmation_id=conf.id, amount=str(conf.amount),
                 content_hash=conf.content_hash, signature_application_id=application.id)
    _finish(ex, actor, "enforcement_completed")
    return conf


def _finish(ex, actor, reason, document=True):
    ex.status = "completed" if reason == "enforcement_completed" else "terminated"
    ex.closing_reason, ex.closed_at = reason, utcnow()
    _close_case(ex.case, actor, reason)
    db.session.flush()
    if document:
        # The closing document is the court's: issued and served in the judge's name, both sides.
        judge = ex.case.judge or actor
        stored = _issue(ex, judge, "completed" if reason == "enforcement_completed" else "terminated")
        ex.closing_file_id = stored.id
        if judge.is_staff:
            _serve(ex.case, judge, stored, list(ex.case.parties), DOCUMENT_TITLES[ex.status])
        db.session.flush()


# --------------------------------------------------------------------------- 8. the judge's view

def open_cases(court_id):
    q = (select(ExecutionCase).join(Case, Case.id == ExecutionCase.case_id)
         .where(Case.court_id == court_id, ExecutionCase.status.in_(("open", "suspended")))
         .order_by(ExecutionCase.id))
    return db.session.scalars(q).all()


def overdue_items(court_id, now=None):
    from app.models import Hearing, HearingItem
    q = (select(HearingItem).join(Hearing, Hearing.id == HearingItem.hearing_id).join(Case, Case.id == Hearing.case_id)
         .where(Case.court_id == court_id, Case.kind == "enforcement", HearingItem.state == "open",
                HearingItem.deadline < (now or utcnow())).order_by(HearingItem.deadline))
    return db.session.scalars(q).all()


# --------------------------------------------------------------------------- 2. documents of the group

DOCUMENT_TITLES = {"notice": "执行通知书", "property_order": "报告财产令", "completed": "结案通知书（执行完毕）",
                   "terminated": "终结本次执行程序裁定书"}


def _names(case, role):
    return "、".join(p.name for p in case.parties if p.role == role)


def _paragraphs(ex, which, due_text):
    case = ex.case
    inst = f"{ex.instrument_number}"
    owed = yuan(totals(ex)["outstanding"])
    applicant, respondent = _names(case, APPLICANT), _names(case, RESPONDENT)
    if which == "notice":
        return [f"申请执行人{applicant}与被执行人{respondent}一案，{inst}已于{ex.effective_on.isoformat()}发生法律效力。"
                f"申请执行人向本院申请强制执行，本院已依法立案执行。",
                f"依照《中华人民共和国民事诉讼法》的规定，责令你自收到本通知之日起立即履行下列义务："
                f"支付人民币{owed}元" + (f"；{ex.act}" if ex.act else "") + "，并负担执行费用。",
                "逾期不履行的，本院将依法强制执行，并可将你纳入失信被执行人名单、限制高消费。",
                "本通知书通过微法庭电子送达；履行情况请在案件群中报告，并上传付款凭证。"]
    if which == "property_order":
        return [f"本院在执行申请执行人{applicant}与被执行人{respondent}一案中，依照《中华人民共和国民事诉讼法》"
                f"和最高人民法院关于民事执行中财产调查的规定，责令你在{due_text}前如实向本院报告当前以及收到执行通知之日前一年的财产情况，"
                "包括：收入、银行存款、现金、理财产品、有价证券；土地使用权、房屋等不动产；交通运输工具、机器设备等动产；"
                "债权、股权、投资权益、知识产权；其他应当报告的财产。",
                "拒绝报告、虚假报告或者无正当理由逾期报告的，本院可以根据情节轻重予以罚款、拘留；构成犯罪的，依法追究刑事责任。",
                "请在案件群中对本院发出的报告财产事项作答。"]
    if which == "completed":
        return [f"申请执行人{applicant}与被执行人{respondent}一案，执行依据为{inst}。",
                f"本案执行款人民币{yuan(totals(ex)['paid_out'] or totals(ex)['paid'])}元已执行到位并发放给申请执行人，"
                "申请执行人已在案件群中确认收到执行款并签名确认。本案执行完毕，依法结案。"]
    if which == "terminated":
        t = totals(ex)
        interview = latest_interview(ex)
        conds = "；".join(CONDITION_TEXT[c] for c in (interview.conditions if interview else ()))
        return [f"申请执行人{applicant}与被执行人{respondent}一案，执行依据为{inst}。",
                f"本案已执行到位人民币{yuan(t['paid'])}元，尚有人民币{owed}元未执行到位。",
                f"本院于{interview.held_on.isoformat() if interview else ''}与申请执行人进行了终本约谈。经查：{conds}。",
                "依照《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第五百一十七条的规定，裁定如下：",
                "终结本次执行程序。申请执行人发现被执行人有可供执行财产的，可以再次申请执行。被执行人仍负有继续履行义务。"]
    raise ValueError(which)


CONDITION_TEXT = {"order_served": "已向被执行人发出执行通知、责令其报告财产",
                  "property_searched": "已通过网络查控系统及申请执行人提供的线索对被执行人财产进行调查",
                  "nothing_to_dispose": "未发现可供执行的财产或发现的财产不能处置",
                  "measures_taken": "已对被执行人采取限制消费措施，符合条件的已纳入失信被执行人名单",
                  "applicant_interviewed": "已与申请执行人约谈并告知本次执行程序终结的依据及法律后果"}


def _issue(ex, actor, which, due_text=""):
    from app.services import pdf
    from app.services.events import record_event as _record
    case = ex.case
    title = DOCUMENT_TITLES[which]
    addressee = _names(case, RESPONDENT) if which in ("notice", "property_order") else \
        f"{_names(case, APPLICANT)}、{_names(case, RESPONDENT)}"
    now = utcnow()
    data = dict(court_name=case.court.name, case_number=case.number, title=title, addressee=addressee,
                paragraphs=_paragraphs(ex, which, due_text), issued_at=now)
    code = signatures.verification_code(signatures.content_hash(
        {k: v for k, v in data.items() if k != "issued_at"} | {"at": now.isoformat()}), "enforcement")
    data["verification_code"] = code
    stored = storage.save_bytes(pdf.sign_pdf(pdf.render_enforcement_document(data)), name=f"{title}{case.number}.pdf",
                                content_type="application/pdf", actor=actor, case=case)
    _record(case, actor, "document_issued", document=f"enforcement_{which}", title=title, stored_file_id=stored.id,
            sha256=stored.sha256, verification_code=code)
    return stored


def _serve(case, actor, stored, parties, title):
    """Serve through e-service where the party agreed to it; the rest the clerk serves on paper."""
    from app.services import e_service
    served, paper = [], []
    for party in parties:
        try:
            served.append(e_service.serve(case, party, actor, stored_file=stored, kind="notice", title=title))
        except (e_service.NoConsent, e_service.NoAddress, e_service.NoAccount, e_service.UnconfirmedAddress):
            paper.append(party)
    return served, paper


def report_deadline(days, now=None):
    """The end of the court day `days` days from today."""
    from app.services.court_time import deadline_at, today as court_today
    today = court_today(now or utcnow())
    return deadline_at(today + timedelta(days=days))


def serve_opening_documents(case, actor, *, report_by):
    """The notice of enforcement (执行通知书) and the order to report property (报告财产令): rendered, filed,
    served to the respondent, and an item in the group with the reporting deadline."""
    from app.services.court_time import format_deadline
    from app.services.hearings import post_item
    if not is_court(case, actor):
        raise NotAllowed()
    ex = _lock(_require_open(case))
    respondents = [p for p in case.parties if p.role == RESPONDENT]
    due = format_deadline(report_by)
    out = {}
    for which in ("notice", "property_order"):
        stored = _issue(ex, actor, which, due)
        out[which] = (stored, *_serve(case, actor, stored, respondents, DOCUMENT_TITLES[which]))
    if ex.hearing is not None and respondents:
        with force_locale("zh"):
            text = _("Report your property to the court by %(due)s (order to report property): income, bank "
                     "accounts, real estate, vehicles, shares and other property.", due=due)
        post_item(ex.hearing, actor, text, parties=respondents, deadline=report_by)
    return out


# --------------------------------------------------------------------------- 5. settlement (执行和解)

class SettlementNotInForce(InvalidState):
    message = N_("The settlement is not in force.")


def settlement_hash(s):
    return signatures.content_hash({"settlement": s.id, "case": s.execution.case.number, "terms": s.terms})


def record_settlement(case, actor, *, terms):
    """The judge records the agreed terms; both sides then confirm and sign them."""
    from app.models.enforcement import ExecutionSettlement
    if not is_court(case, actor):
        raise NotAllowed()
    ex = _lock(_require_open(case))
    terms = (terms or "").strip()
    if not terms:
        raise EmptyText()
    if ex.status != "open":
        raise NotOpen()
    s = ExecutionSettlement(execution=ex, terms=terms[:8000], recorded_by_id=actor.id, content_hash="")
    db.session.add(s)
    db.session.flush()
    s.content_hash = settlement_hash(s)
    record_event(case, actor, "settlement_recorded", settlement_id=s.id, content_hash=s.content_hash)
    return s


def settlement_signers(s):
    from app.models import SignatureApplication
    rows = db.session.scalars(select(SignatureApplication).where(
        SignatureApplication.document_kind == "enforcement", SignatureApplication.document_id == s.id,
        SignatureApplication.document_hash == s.content_hash)).all()
    return {r.user_id for r in rows}


def _sides_signed(s):
    case, signed = s.execution.case, settlement_signers(s)
    def side_done(role):
        return any(p.role == role and ({p.user_id, p.lawyer_id} & signed) for p in case.parties)
    return side_done(APPLICANT) and side_done(RESPONDENT)


def sign_settlement(s, actor, face_session, confirmed_hash):
    """A party confirms and signs; once both sides have, the settlement is in force and enforcement suspended."""
    case = s.execution.case
    if not (is_applicant(case, actor) or is_respondent(case, actor)):
        raise NotAllowed()
    ex = _lock(s.execution)
    db.session.refresh(s)
    if s.state != "signing":
        if actor.id in settlement_signers(s):
            return s  # signed already: a second tap changes nothing
        raise InvalidState()
    signatures.apply_signature(actor, face_session, "enforcement", s.id, s.content_hash, confirmed_hash)
    record_event(case, actor, "settlement_signed", settlement_id=s.id, content_hash=s.content_hash)
    if _sides_signed(s):
        s.state, s.in_force_at = "in_force", utcnow()
        ex.status = "suspended"
        record_event(case, None, "enforcement_suspended", settlement_id=s.id)
    db.session.flush()
    return s


def end_settlement(s, actor, *, performed, note=""):
    """Performed: the case closes as completed. Broken: enforcement resumes (恢复执行)."""
    case = s.execution.case
    if not is_court(case, actor):
        raise NotAllowed()
    ex = _lock(s.execution)
    if s.state != "in_force":
        raise SettlementNotInForce()
    s.state, s.ended_at, s.end_note = ("performed" if performed else "broken"), utcnow(), (note or "").strip()[:4000]
    record_event(case, actor, "settlement_performed" if performed else "settlement_broken", settlement_id=s.id,
                 note=s.end_note)
    if performed:
        _finish(ex, actor, "enforcement_completed")
    else:
        ex.status = "open"
        record_event(case, actor, "enforcement_resumed", settlement_id=s.id)
    db.session.flush()
    return s


# --------------------------------------------------------------------------- 7. measures (失信 / 限高)

def record_measure(case, actor, *, kind, party, start_on, end_on=None, reason):
    from app.models.enforcement import MEASURE_KINDS, EnforcementMeasure
    if not is_court(case, actor):
        raise NotAllowed()
    ex = _require_open(case)
    if kind not in MEASURE_KINDS or party is None or party.case_id != case.id or party.role != RESPONDENT:
        raise DomainError()
    reason = (reason or "").strip()
    if not reason:
        raise EmptyText()
    start_on, end_on = parse_date(start_on), parse_date(end_on, allow_empty=True)
    if end_on is not None and end_on < start_on:
        raise BadDate()
    m = EnforcementMeasure(execution=ex, kind=kind, party_id=party.id, start_on=start_on, end_on=end_on,
                           reason=reason[:4000], recorded_by_id=actor.id)
    db.session.add(m)
    db.session.flush()
    record_event(case, actor, "measure_recorded", measure_id=m.id, measure=kind, party_name=party.name,
                 start_on=start_on.isoformat(), end_on=end_on.isoformat() if end_on else None, reason=m.reason)
    return m


# --------------------------------------------------------------------------- 6. 终本 after an interview

class ConditionsNotMet(InvalidState):
    message = N_("This round of enforcement can end only when every condition is met and recorded at the interview.")


class NoInterview(InvalidState):
    message = N_("Record the interview (终本约谈) with the applicant first.")


def record_interview(case, actor, *, held_on, notes, conditions, applicant_view=""):
    from app.models.enforcement import TERMINATION_CONDITIONS, TerminationInterview
    if not is_court(case, actor):
        raise NotAllowed()
    ex = _require_open(case)
    notes = (notes or "").strip()
    if not notes:
        raise EmptyText()
    conditions = [c for c in TERMINATION_CONDITIONS if c in set(conditions or ())]
    row = TerminationInterview(execution=ex, held_on=parse_date(held_on), notes=notes[:8000], conditions=conditions,
                               applicant_view=(applicant_view or "").strip()[:4000], recorded_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record_event(case, actor, "termination_interview", interview_id=row.id, held_on=row.held_on.isoformat(),
                 conditions=conditions, notes=row.notes)
    return row


def latest_interview(ex):
    from app.models.enforcement import TerminationInterview
    return db.session.scalar(select(TerminationInterview).where(TerminationInterview.execution_id == ex.id)
                             .order_by(TerminationInterview.id.desc()).limit(1))


def terminate(case, actor):
    """终结本次执行程序: only after an interview that found every condition met; served to both sides."""
    from app.models.enforcement import TERMINATION_CONDITIONS
    if not is_court(case, actor):
        raise NotAllowed()
    ex = _lock(_require_open(case))
    if totals(ex)["unconfirmed"]:
        raise UnconfirmedPayments()
    interview = latest_interview(ex)
    if interview is None:
        raise NoInterview()
    if set(interview.conditions) != set(TERMINATION_CONDITIONS):
        raise ConditionsNotMet()
    _finish(ex, actor, "enforcement_terminated")
    return ex
