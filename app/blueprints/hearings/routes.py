"""The hearing room (微法庭): routes under /cases/<case_id>/hearings. Thin: load, check, call, commit."""
import hashlib
import logging
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.blueprints.hearings.forms import (MODE_LABELS, PURPOSE_LABELS, STAGE_LABELS, AnswerForm, CsrfForm, DeadlineForm,
                                           DecideForm, ExtensionRequestForm, ItemForm, MessageForm, ModeForm,
                                           OpenHearingForm, SearchForm, TrialForm)
from app.blueprints import load_or_404, refusals, send_stored
from app.blueprints.identity.gate import face_check_redirect, needs_face_check, verification_method
from app.extensions import db
from app import poll_gate
from app.forms import as_id
from app.htmx import render, wants_fragment
from app.idempotent import once
from app.models import Case, User
from app.models.hearing import Evidence, ExtensionRequest, Hearing, HearingItem, Message
from app.services import court_time, hearings as svc
from app.services.errors import DomainError
from app.services.storage import UploadRefused

from app.blueprints.hearings import item_no, room_urls

bp = Blueprint("hearings", __name__, url_prefix="/cases/<int:case_id>/hearings")
bp.add_app_template_global(room_urls)
bp.add_app_template_global(item_no)
audit = logging.getLogger("microcourt.audit")


# --- template helpers -------------------------------------------------------------------------

@bp.app_template_filter("purpose_label")
def purpose_label(value):
    return PURPOSE_LABELS.get(value, value)


@bp.app_template_global("system_text")
def system_text(msg):
    d = msg.data or {}
    num = (lambda i: item_no(msg.hearing_id, i))
    moment = (lambda iso: court_time.format_deadline(datetime.fromisoformat(iso)) if iso else "")
    texts = {
        "deadline_extended": lambda: _("The deadline of item %(item)s was changed from %(old)s to %(new)s.",
                                       item=num(d.get("item_id")), old=moment(d.get("old")), new=moment(d.get("new"))),
        "extension_requested": lambda: _("%(name)s asked for more time on item %(item)s: %(reason)s",
                                         name=msg.author_name, item=num(d.get("item_id")), reason=d.get("reason", "")),
        "extension_refused": lambda: _("More time on item %(item)s was refused.", item=num(d.get("item_id"))),
        "item_closed": lambda: _("Item %(item)s was closed.", item=num(d.get("item_id"))),
        "item_overdue": lambda: _("Item %(item)s passed its deadline without an answer from %(names)s.",
                                  item=num(d.get("item_id")), names="、".join(d.get("parties", []))),
        "hearing_closed": lambda: _("The hearing was closed."),
        "consent_withdrawn": lambda: _("%(party)s withdrew consent to this stage online; the judge will move it "
                                       "offline or to a live session.", party=d.get("party")),
        "consent_refused": lambda: _("%(party)s did not consent to this stage online.", party=d.get("party")),
        "consent_withdrawal_requested": lambda: _("%(party)s asks to withdraw consent to this stage online; the "
                                                  "judge will decide.", party=d.get("party")),
        "consent_withdrawal_refused": lambda: _("The judge refused %(party)s's request to withdraw consent; this "
                                                "stage stays online.", party=d.get("party")),
        "mode_sync": lambda: _("The hearing is now live: everyone online at once."),
        "mode_async": lambda: _("The hearing is now asynchronous: answer by each deadline."),
        "async_trial_enabled": lambda: _("Asynchronous trial enabled: its conditions (Art. 20 ¶2) are recorded."),
    }
    return texts.get(d.get("what"), lambda: d.get("what", ""))()


# --- loading and gates ------------------------------------------------------------------------

def _refuse(reason):
    audit.info("hearing access refused user=%s path=%s reason=%s", getattr(current_user, "id", None),
               request.path, reason)
    abort(404)


def _load(case_id, hid):
    """The case and the hearing (`Hearing.can_view`: taking part in it), or 404."""
    case = load_or_404(Case, case_id)
    return case, load_or_404(Hearing, hid, can=lambda h, user: h.case_id == case.id and h.can_view(user))


def _of_hearing(hearing):
    """A predicate for rows that must belong to this hearing (forged ids from elsewhere are a 404)."""
    return lambda row, user: row.hearing_id == hearing.id and row.can_view(user)


def _gate(hearing):
    """Parties and lawyers: consent to this stage first, then a fresh face check for this hearing."""
    if hearing.can_run(current_user):
        return None
    if svc.needs_consent(hearing, current_user) is not None:
        url = url_for("hearings.consent", case_id=hearing.case_id, hid=hearing.id, next=request.full_path.rstrip("?"))
        if wants_fragment():
            resp = redirect(url)
            resp.headers["HX-Redirect"] = url
            return resp
        return redirect(url)
    session_row = current_user.session_row
    if svc.needs_admission(hearing, current_user, session_row):
        if needs_face_check(current_user):
            return face_check_redirect()
        # GET never writes: a freshly face-checked person reads the room; the admission (an event in
        # the record) is written with their first act in it, in the same commit.
        if request.method == "POST":
            svc.admit(hearing, current_user, session_row, verification_method(current_user))
    if request.method == "POST":
        svc.seen(hearing, current_user)
    return None


def _in_room(view):
    """Load, 404 outsiders, then the consent and face-check gates. Passes case and hearing on."""
    from functools import wraps

    @wraps(view)
    def wrapper(case_id, hid, **kwargs):
        case, hearing = _load(case_id, hid)
        gate = _gate(hearing)
        if gate is not None:
            return gate
        return view(case, hearing, **kwargs)
    return login_required(wrapper)


def _staff_only(hearing):
    if not hearing.can_run(current_user):
        _refuse("not staff")


def _error_text(exc):
    return _(exc.message, **exc.params)


def _thread_url(hearing, **kw):
    return url_for("hearings.thread", case_id=hearing.case_id, hid=hearing.id, **kw)


def _item_url(item, **kw):
    return url_for("hearings.item", case_id=item.hearing.case_id, hid=item.hearing_id, item_id=item.id, **kw)


def _deadline(form):
    return court_time.deadline_at(form.day.data, form.at.data)


# --- the list of hearings and opening one -------------------------------------------------------

def _open_form(case):
    form = OpenHearingForm()
    from app.labels import ROLE_LABELS
    form.parties.choices = [(p.id, _("%(name)s (%(role)s)", name=p.name, role=ROLE_LABELS.get(p.role, p.role)))
                            for p in case.parties if p.user_id or p.lawyer_id]
    clerks = db.session.scalars(select(User).where(User.court_id == case.court_id, User.role == "clerk")).all()
    form.clerks.choices = [(u.id, u.name) for u in clerks]
    if request.method == "GET":
        form.parties.data = [c for c, _label in form.parties.choices]
        form.clerks.data = [c for c, _label in form.clerks.choices]
    return form


@bp.route("", methods=["GET", "POST"])
@login_required
@once("hearing.open")
def index(case_id):
    case = load_or_404(Case, case_id)
    staff = case.can_run(current_user)
    form = _open_form(case) if staff else None
    if request.method == "POST":
        if not staff:
            _refuse("not staff")
        if form.validate_on_submit():
            parties = [p for p in case.parties if p.id in form.parties.data]
            clerks = db.session.scalars(select(User).where(User.id.in_(form.clerks.data or [0]))).all()
            try:
                hearing = svc.open_hearing(case, current_user, purpose=form.purpose.data, mode=form.mode.data,
                                           title=form.title.data or "", parties=parties, clerks=clerks)
            except DomainError as exc:
                db.session.rollback()
                form.purpose.errors.append(_error_text(exc))
            else:
                db.session.commit()
                return redirect(_thread_url(hearing))
    hearings = [h for h in svc.hearings_of(case) if h.can_view(current_user)]
    status = 400 if request.method == "POST" else 200
    return render_template("hearings/index.html", case=case, hearings=hearings, form=form), status


@bp.route("/exhibits")
@login_required
def exhibits(case_id):
    """The case's exhibits (证据) in the electronic dossier: those of the hearings this person takes part in."""
    case = load_or_404(Case, case_id)
    return render_template("hearings/exhibits.html", case=case, exhibits=_exhibits(case))


# --- the thread -------------------------------------------------------------------------------

def _exhibits(case):
    """The case's exhibits this person may see: those of the hearings they take part in."""
    return [e for e in svc.exhibits(case) if e.can_view(current_user)]


def _filters():
    return dict(item_id=request.args.get("item", type=as_id), author_id=request.args.get("party", type=as_id),
                evidence_only=request.args.get("evidence") == "1", query=(request.args.get("q") or "").strip()[:100])


def _message_form(hearing, case, form=None):
    form = form or MessageForm()
    form.about.choices = [("", _("(no exhibit)"))] + [(str(e.id), e.label) for e in _exhibits(case)]
    if request.method == "GET" and request.args.get("reply_to", type=as_id):
        form.reply_to.data = str(request.args.get("reply_to", type=as_id))
    return form


def _thread_context(case, hearing, message_form=None, item_form=None):
    filters = _filters()
    before = request.args.get("before", type=as_id)
    messages, has_earlier = svc.thread_page(hearing, before=before, **filters)
    live = not before and not any(filters.values()) and hearing.is_open
    item_form = item_form or (ItemForm() if hearing.can_run(current_user) else None)
    if item_form is not None:
        item_form.parties.choices = [(p.id, p.name) for p in svc.party_choices(hearing)]
    reply_to = None
    form = _message_form(hearing, case, message_form)
    if as_id(form.reply_to.data):
        reply_to = db.session.get(Message, as_id(form.reply_to.data))
        if reply_to is None or reply_to.hearing_id != hearing.id:
            reply_to, form.reply_to.data = None, ""
    return dict(case=case, hearing=hearing, messages=messages, has_earlier=has_earlier, live=live,
                last_id=svc.last_message_id(hearing), form=form, item_form=item_form, reply_to=reply_to,
                filters=filters, search=SearchForm(request.args), participant=hearing.participant_for(current_user),
                staff=hearing.can_run(current_user), online=svc.online(hearing),
                extensions=svc.pending_extensions(hearing) if hearing.can_run(current_user) else [],
                items=svc.items_of(hearing), mode_form=ModeForm(mode=hearing.mode), mode_labels=MODE_LABELS,
                poll_seconds=current_app.config["HEARING_SYNC_POLL_SECONDS" if hearing.mode == "sync"
                                                 else "HEARING_POLL_SECONDS"])


@bp.route("/<int:hid>")
@_in_room
def thread(case, hearing):
    return render("hearings/thread.html", None, **_thread_context(case, hearing))


def _etag(hearing, after):
    online = ",".join(str(p.user_id) for p in svc.online(hearing)) if hearing.mode == "sync" else ""
    raw = (f"{hearing.id}:{after}:{svc.last_message_id(hearing)}:{hearing.changed_at.timestamp()}:"
           f"{current_user.id}:{online}:{request.cookies.get('lang', '')}")
    return hashlib.sha1(raw.encode()).hexdigest()


@bp.route("/<int:hid>/messages")
@_in_room
def poll(case, hearing):
    """New messages after ?after=<id>; an idle poll costs a 304 (If-None-Match) or an empty partial."""
    if not wants_fragment():
        return redirect(_thread_url(hearing))
    after = request.args.get("after", type=as_id) or 0
    etag = _etag(hearing, after)
    if request.if_none_match.contains(etag):
        resp = make_response("", 304)
    else:
        resp = make_response(render_template("hearings/_new.html", hearing=hearing, case=case,
                                             messages=svc.messages_after(hearing, after), staff=hearing.can_run(current_user),
                                             online=svc.online(hearing), oob=True))
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.vary.update(("HX-Request", "Cookie"))
    poll_gate.remember(hearing, etag)  # the next identical poll is answered before the room gate
    return resp


@bp.route("/<int:hid>/presence", methods=["POST"])
@_in_room
def presence(case, hearing):
    """Live mode's heartbeat (the gate records presence on every POST in the room): "online now"."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    db.session.commit()
    return "", 204


def _after_post(case, hearing, msg_id, form_cls=MessageForm):
    """HTMX: the new messages (oob: the `after` marker and a fresh compose form); else PRG."""
    if wants_fragment():
        after = request.form.get("after", type=as_id) or 0
        return render("hearings/_new.html", "hearings/_new.html", hearing=hearing, case=case,
                      messages=svc.messages_after(hearing, after), staff=hearing.can_run(current_user),
                      online=svc.online(hearing), oob=True, form=_message_form(hearing, case, MessageForm(formdata=None)),
                      compose_oob=True)
    return redirect(_thread_url(hearing, _anchor=f"m{msg_id}"))


def _compose_error(case, hearing, form, status=400):
    if wants_fragment():
        resp = render("hearings/_compose.html", "hearings/_compose.html", case=case, hearing=hearing,
                      form=_message_form(hearing, case, form), reply_to=None)
        resp.headers["HX-Retarget"] = "#compose"
        resp.headers["HX-Reswap"] = "outerHTML"
        return resp  # htmx swaps only 2xx: the form comes back with its error, the text kept
    return render("hearings/thread.html", None, status=status, **_thread_context(case, hearing, message_form=form))


@bp.route("/<int:hid>/messages", methods=["POST"])
@_in_room
def post_message(case, hearing):
    form = MessageForm()
    if not form.validate_on_submit():
        return _compose_error(case, hearing, form)
    try:
        item = _item_answered_by_reply(hearing, as_id(form.reply_to.data))
        if item is not None:  # a reply to an item by someone it asks is that person's answer
            msg = svc.answer_item(item, current_user, form.text.data, key=form.key.data,
                                  files=request.files.getlist("file"))
        else:
            msg = svc.post_message(hearing, current_user, form.text.data, key=form.key.data,
                                   files=request.files.getlist("file"), reply_to_id=as_id(form.reply_to.data),
                                   about_evidence_id=as_id(form.about.data))
    except DomainError as exc:
        db.session.rollback()
        (form.file if isinstance(exc, UploadRefused) else form.text).errors.append(_error_text(exc))
        return _compose_error(case, hearing, form, exc.status if exc.status != 403 else 400)
    db.session.commit()
    return _after_post(case, hearing, msg.id)


def _item_answered_by_reply(hearing, reply_to_id):
    """The open item a reply in the thread answers: the replied-to message posts an item that asks
    the person replying (as a party or their lawyer). None for any other reply."""
    if not reply_to_id:
        return None
    msg = db.session.get(Message, reply_to_id)
    if msg is None or msg.hearing_id != hearing.id or msg.kind != "item" or msg.item is None:
        return None
    item = msg.item
    return item if item.is_open and item.addressee_for(current_user) is not None else None


@bp.route("/<int:hid>/items", methods=["POST"])
@_in_room
def post_item(case, hearing):
    _staff_only(hearing)
    form = ItemForm()
    form.parties.choices = [(p.id, p.name) for p in svc.party_choices(hearing)]
    if form.validate_on_submit():
        parties = [p for p in case.parties if p.id in form.parties.data]
        try:
            item = svc.post_item(hearing, current_user, form.text.data, parties=parties, deadline=_deadline(form),
                                 key=form.key.data)
        except DomainError as exc:
            db.session.rollback()
            form.text.errors.append(_error_text(exc))
        else:
            db.session.commit()
            flash(_("Item posted; the parties were notified by SMS."), "success")
            return redirect(_thread_url(hearing, _anchor=f"m{item.message_id}"))
    return render("hearings/thread.html", None, status=400, **_thread_context(case, hearing, item_form=form))


# --- an item ----------------------------------------------------------------------------------

def _item_page(case, hearing, item, status=200, **forms):
    addressee = item.addressee_for(current_user)
    answers = db.session.scalars(select(Message).where(Message.item_id == item.id, Message.kind == "answer")
                                 .order_by(Message.id)).all()
    ctx = dict(case=case, hearing=hearing, item=item, addressee=addressee, answers=answers,
               staff=hearing.can_run(current_user),
               answer_form=forms.get("answer_form") or AnswerForm(),
               extension_form=forms.get("extension_form") or ExtensionRequestForm(),
               deadline_form=forms.get("deadline_form") or DeadlineForm(),
               decide_form=DecideForm(), now=svc.utcnow())
    return render_template("hearings/item.html", **ctx), status


@bp.route("/<int:hid>/items/<int:item_id>")
@_in_room
def item(case, hearing, item_id):
    """The page an SMS link opens: the item, its deadline history, the answers, what one can do."""
    return _item_page(case, hearing, load_or_404(HearingItem, item_id, can=_of_hearing(hearing)))


@bp.route("/<int:hid>/items/<int:item_id>/answer", methods=["POST"])
@_in_room
def answer(case, hearing, item_id):
    item = load_or_404(HearingItem, item_id, can=_of_hearing(hearing))
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            msg = svc.answer_item(item, current_user, form.text.data, key=form.key.data,
                                  files=request.files.getlist("file"))
        except DomainError as exc:
            db.session.rollback()
            form.text.errors.append(_error_text(exc))
            return _item_page(case, hearing, item, exc.status if exc.status != 403 else 400, answer_form=form)
        db.session.commit()
        flash(_("Answer received late: after the deadline.") if msg.late else _("Answer received."),
              "info" if msg.late else "success")
        return redirect(_item_url(item))
    return _item_page(case, hearing, item, 400, answer_form=form)


@bp.route("/<int:hid>/items/<int:item_id>/extension", methods=["POST"])
@_in_room
@once("hearing.extension_request")
def request_extension(case, hearing, item_id):
    item = load_or_404(HearingItem, item_id, can=_of_hearing(hearing))
    form = ExtensionRequestForm()
    if form.validate_on_submit():
        try:
            svc.request_extension(item, current_user, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            form.reason.errors.append(_error_text(exc))
            return _item_page(case, hearing, item, 400, extension_form=form)
        db.session.commit()
        flash(_("Your request for more time was sent to the judge."), "success")
        return redirect(_item_url(item))
    return _item_page(case, hearing, item, 400, extension_form=form)


@bp.route("/<int:hid>/items/<int:item_id>/deadline", methods=["POST"])
@_in_room
def extend(case, hearing, item_id):
    _staff_only(hearing)
    item = load_or_404(HearingItem, item_id, can=_of_hearing(hearing))
    form = DeadlineForm()
    if form.validate_on_submit():
        try:
            svc.extend_deadline(item, current_user, _deadline(form), form.reason.data or "")
        except DomainError as exc:
            db.session.rollback()
            form.day.errors.append(_error_text(exc))
            return _item_page(case, hearing, item, 400, deadline_form=form)
        db.session.commit()
        flash(_("Deadline changed; everyone concerned was notified."), "success")
        return redirect(_item_url(item))
    return _item_page(case, hearing, item, 400, deadline_form=form)


@bp.route("/<int:hid>/items/<int:item_id>/close", methods=["POST"])
@_in_room
def close_item(case, hearing, item_id):
    _staff_only(hearing)
    item = load_or_404(HearingItem, item_id, can=_of_hearing(hearing))
    if CsrfForm().validate_on_submit():
        svc.close_item(item, current_user)
        db.session.commit()
    return redirect(_item_url(item))


@bp.route("/<int:hid>/extensions/<int:request_id>", methods=["POST"])
@_in_room
@refusals(lambda case, hearing, request_id: _thread_url(hearing))
def decide(case, hearing, request_id):
    _staff_only(hearing)
    req = load_or_404(ExtensionRequest, request_id, can=lambda r, user: r.item.hearing_id == hearing.id)
    form = DecideForm()
    if form.validate_on_submit():
        grant = form.decision.data == "grant"
        svc.decide_extension(req, current_user, grant, _deadline(form) if (grant and form.day.data) else None)
        db.session.commit()
        flash(_("Deadline changed; everyone concerned was notified.") if grant else _("Request refused."),
              "success")
    return redirect(_item_url(req.item))


# --- session-level actions --------------------------------------------------------------------

@bp.route("/<int:hid>/close", methods=["POST"])
@_in_room
def close(case, hearing):
    _staff_only(hearing)
    if not CsrfForm().validate_on_submit():
        abort(400)
    svc.close_hearing(hearing, current_user)
    db.session.commit()
    flash(_("The hearing is closed. The transcript draft is being prepared."), "success")
    return redirect(_thread_url(hearing))


@bp.route("/<int:hid>/mode", methods=["POST"])
@_in_room
@refusals(lambda case, hearing: _thread_url(hearing))
def mode(case, hearing):
    _staff_only(hearing)
    form = ModeForm()
    if form.validate_on_submit():
        svc.set_mode(hearing, current_user, form.mode.data)
        db.session.commit()
    return redirect(_thread_url(hearing))


@bp.route("/<int:hid>/consent", methods=["GET", "POST"])
@login_required
def consent(case_id, hid):
    """A party's consent to this stage online (per stage: evidence exchange is not the trial)."""
    case, hearing = _load(case_id, hid)
    p = hearing.participant_for(current_user)
    if p is None or p.party is None:
        return redirect(_thread_url(hearing))
    form = CsrfForm()
    if request.method == "POST" and form.validate_on_submit():
        given = request.form.get("given") == "yes"
        svc.give_consent(hearing, current_user, given)
        db.session.commit()
        if given:
            from app.services.auth import safe_target
            nxt = safe_target(request.args.get("next") or _thread_url(hearing))
            return redirect(nxt if nxt.startswith(f"/cases/{case.id}/hearings/{hearing.id}") else _thread_url(hearing))
        flash(_("Recorded: you did not consent. The judge will arrange this stage offline or live."), "info")
        return redirect(url_for("hearings.index", case_id=case.id))
    return render_template("hearings/consent.html", case=case, hearing=hearing, party=p.party,
                           consented=svc.needs_consent(hearing, current_user) is None)


@bp.route("/<int:hid>/consent/withdraw", methods=["POST"])
@login_required
@refusals(lambda case_id, hid: url_for("hearings.index", case_id=case_id))
def withdraw(case_id, hid):
    case, hearing = _load(case_id, hid)
    if CsrfForm().validate_on_submit():
        svc.withdraw_consent(hearing, current_user, request.form.get("reason", ""),
                             scope=request.form.get("scope") or None)
        db.session.commit()
        flash(_("Your request to withdraw consent was sent to the judge, who will decide and tell you. "
                "Until then this stage stays online."), "info")
    return redirect(url_for("hearings.index", case_id=case.id))


@bp.route("/<int:hid>/participants")
@_in_room
def participants(case, hearing):
    from app.services import consent as consent_service
    consents = consent_service.consents_for(case)
    return render_template("hearings/participants.html", case=case, hearing=hearing, consents=consents,
                           staff=hearing.can_run(current_user), online=svc.online(hearing))


@bp.route("/<int:hid>/print")
@_in_room
def print_view(case, hearing):
    return render_template("hearings/print.html", case=case, hearing=hearing, messages=svc.all_messages(hearing),
                           items=svc.items_of(hearing))


def _evidence(hearing, evidence_id):
    """An exhibit of this case that the person may see (`Evidence.can_view`: its own hearing)."""
    return load_or_404(Evidence, evidence_id, can=lambda ev, user: ev.case_id == hearing.case_id and ev.can_view(user))


@bp.route("/<int:hid>/evidence/<int:evidence_id>")
@_in_room
def evidence_file(case, hearing, evidence_id):
    """Original bytes, only to the case's participants, always as an attachment."""
    return send_stored(_evidence(hearing, evidence_id).file)


@bp.route("/<int:hid>/evidence/<int:evidence_id>/thumb")
@_in_room
def evidence_thumb(case, hearing, evidence_id):
    ev = _evidence(hearing, evidence_id)
    if ev.thumbnail is None:
        abort(404)
    return send_stored(ev.thumbnail)


# --- asynchronous trial (Art. 20 ¶2) ----------------------------------------------------------

@bp.route("/<int:hid>/trial", methods=["GET", "POST"])
@_in_room
@refusals(lambda case, hearing: url_for("hearings.trial", case_id=case.id, hid=hearing.id))
def trial(case, hearing):
    if hearing.purpose != "trial":
        abort(404)
    form = TrialForm()
    staff = hearing.can_run(current_user)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            action = form.action.data
            staff_actions = {"procedure": lambda: svc.record_procedure(hearing, current_user, form.procedure.data),
                             "confirm": lambda: svc.confirm_facts_undisputed(hearing, current_user),
                             "condition_one": lambda: svc.record_condition_one(hearing, current_user, form.text.data),
                             "enable": lambda: svc.enable_async_trial(hearing, current_user)}
            party_actions = {"apply": lambda: svc.apply_async_trial(hearing, current_user, form.text.data),
                             "consent": lambda: svc.consent_async_trial(hearing, current_user),
                             "video": lambda: svc.submit_video_statement(hearing, current_user, form.stage.data,
                                                                         request.files.get("file"))}
            actions = staff_actions if staff else party_actions
            if action not in actions:
                abort(400)
            actions[action]()
            db.session.commit()
            return redirect(url_for("hearings.trial", case_id=case.id, hid=hearing.id))
        else:
            status = 400
    from app.services import consent as consent_service
    conditions = svc.trial_conditions(hearing)
    parties = svc.party_choices(hearing)
    consents = {p.id: consent_service.has_consent(case, p, "async_trial") for p in parties}
    videos = [e for e in _exhibits(case) if e.kind == "video_statement" and e.hearing_id == hearing.id]
    missing = svc.async_trial_missing(hearing)
    return render_template("hearings/trial.html", case=case, hearing=hearing, form=form, staff=staff,
                           conditions=conditions, parties=parties, consents=consents, videos=videos,
                           missing=missing, stage_labels=STAGE_LABELS,
                           participant=hearing.participant_for(current_user)), status
