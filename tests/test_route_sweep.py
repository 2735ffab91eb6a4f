"""Every route in `app.url_map`, as a signed-in party and as a judge, fed hostile values in its path,
its query string and every form field any form knows: NUL bytes, ids beyond 2^31, "²", NaN and
infinity, dates such as 9999-12-31, very long text. The answer may be a 4xx, a redirect or a page,
never a 500 (in tests an unhandled exception propagates, so it fails here with the request that
caused it). A deterministic pass reaches every route; Hypothesis then mixes values, bounded."""
import importlib
import io
import pkgutil
import re
from collections import Counter
from datetime import timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import FileStorage
from wtforms.fields.core import UnboundField

import app.blueprints
from app.forms import FlaskForm
from app.models import utcnow
from tests.services.documents_helpers import drawn_png, record_hearing
from tests.services.test_filing import PDF, complete_draft

HOSTILE = ["\x00", "a\x00b", "\x1b[2J", "2147483648", "99999999999999999999999", "-1", "0", "²", "٣", "１２",
           "NaN", "inf", "-Infinity", "1e999", "sNaN", "9999-12-31", "0001-01-01", "2026-02-30", "",
           " ", "x" * 70, "长" * 6000, "<script>alert(1)</script>", "../../etc/passwd", "\u202etxt.exe",
           "😀", "%00", "null", "[]"]
BENIGN = ["1", "y", "yes", "grant", "civil", "defendant", "24:00", "测试", "13800000009"]
# A URL with a control character is refused before any view runs (app/web.py), so the values that go
# in query strings leave them out to reach the views; the path takes them.
QUERY_HOSTILE = [v for v in HOSTILE if not re.search(r"[\x00-\x1f]", v)]
HOSTILE_IDS = ["2147483648", "9223372036854775808", "0", "²", "%C2%B2", "%00", "1%00"]
HOSTILE_STRINGS = ["%00", "a%00b", "x" * 300, "%C2%B2", "..%2F..%2Fetc"]
QUERY_NAMES = ["page", "next", "phone", "kind", "state", "days", "item", "party", "evidence", "q", "reply_to",
               "before", "after", "replace", "role", "hearing", "case", "code", "lang", "v"]
RAW_FORM_NAMES = ["given", "after", "note-attachment:1", "other-1", "response-1", "phone", "username", "password",
                  "code", "agree", "decision", "status", "ref", "id"]


def _form_fields():
    """Every field name of every form in app/blueprints/*/forms.py, and which of them take files."""
    names, files = set(RAW_FORM_NAMES), set()
    for mod in pkgutil.iter_modules(app.blueprints.__path__):
        try:
            forms = importlib.import_module(f"app.blueprints.{mod.name}.forms")
        except ModuleNotFoundError:
            continue
        for obj in vars(forms).values():
            if isinstance(obj, type) and issubclass(obj, FlaskForm):
                for name in dir(obj):
                    field = getattr(obj, name, None)
                    if isinstance(field, UnboundField):
                        names.add(name)
                        if "File" in field.field_class.__name__:
                            files.add(name)
    return sorted(names - files), sorted(files)


TEXT_FIELDS, FILE_FIELDS = _form_fields()


@pytest.fixture
def court(db, make_user, make_court, make_case):
    """A court with something behind every kind of id: a submitted filing, a case with an open
    hearing (messages, an item, an exhibit), a closed one with its transcript, a mediation draft,
    a signature. Built through the services, as people make them."""
    from app.services import court_time, filing, hearings, mediation, signatures
    from app.services.id_numbers import check_char
    place = make_court(code="沪0199")
    judge = make_user("judge", court=place, name="张俊")
    clerk = make_user("clerk", court=place)
    plaintiff, defendant = make_user(name="王芳"), make_user(name="陈强")
    plaintiff.id_number = "31010119900307123" + check_char("31010119900307123")
    db.session.commit()
    submitted = complete_draft(db, place, plaintiff)
    filing.submit(submitted, plaintiff)
    case = make_case(court=place, filer=plaintiff, defendant=defendant)
    people = [(plaintiff, "plaintiff"), (defendant, "defendant")]
    room = record_hearing(case, judge, people, messages=[(plaintiff, "plaintiff", "请求支付货款。")], close=False)
    item = hearings.post_item(room, judge, "请提交合同原件。", parties=[case.parties[0]],
                              deadline=court_time.deadline_at((utcnow() + timedelta(days=5)).date()))
    exhibit = hearings.add_evidence(room, plaintiff, FileStorage(io.BytesIO(PDF), filename="合同.pdf"))
    closed = record_hearing(case, judge, people, messages=[(defendant, "defendant", "货物有质量问题。")])
    signature = signatures.save_signature(plaintiff, drawn_png())
    agreement = mediation.draft_terms(case, judge, amount="1000", payer=case.parties[1], payee=case.parties[0],
                                      notify=False)
    # The merged lanes' records behind the other ids: a fee with a relief asked for, a court document,
    # a channel message, an application, an extension request.
    from app.services import applications, case_channel, court_documents, fees
    fee = fees.fee_for(case) or fees.assess_on_acceptance(case, judge)
    relief = fees.apply_for_relief(fee, fee.party.user, "defer", "经济困难") if fee.party.user else None
    doc = court_documents.draft(case, judge, "judgment", orders="被告支付货款。")
    message = case_channel.post(case, plaintiff, "请问何时开庭？", key="sweep-channel")
    application = applications.apply(case, plaintiff, "postpone_hearing", "出差", key="sweep-app", hearing="",
                                     proposed=(utcnow() + timedelta(days=20)).date().isoformat())
    extension = hearings.request_extension(item, plaintiff, "需要时间")
    db.session.commit()  # the closed hearing's transcript draft is rendered after this commit
    from app.models import DossierLeaf, Transcript
    transcript = db.session.query(Transcript).filter_by(hearing_id=closed.id).one()
    leaf = db.session.query(DossierLeaf).filter_by(case_id=case.id).order_by(DossierLeaf.id).first()
    ids = dict(case_id=case.id, hid=room.id, item_id=item.id, evidence_id=exhibit.id, transcript_id=transcript.id,
               version_id=transcript.current_draft.id, agreement_id=agreement.id, signature_id=signature.id,
               pid=submitted.parties[0].id, aid=filing.current_attachments(submitted)[0].id,
               request_id=getattr(extension, "id", 1), review_id=1, service_id=1, fee_id=fee.id,
               relief_id=getattr(relief, "id", 1), doc_id=doc.id, message_id=getattr(message, "id", 1),
               application_id=application.id, leaf_id=leaf.id if leaf else 1, party_id=case.parties[0].id,
               user_id=clerk.id)
    strings = dict(ref=submitted.filing_ref, code=transcript.current_draft.verification_code, token="x",
                   which="reference", scope="trial")
    return dict(judge=judge, clerk=clerk, plaintiff=plaintiff, ids=ids, strings=strings)


def _routes(app):
    """(rule, method) for every route but static files and sign-out (which would end the sweep's session)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.signout"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method))
    return sorted(routes)


def _path(rule, court, choose):
    """The rule's path with each variable filled: a real value or a hostile one, as `choose` picks."""
    def fill(m):
        converter, name = m.group(1), m.group(2)
        if converter == "int":
            real = str(court["ids"].get(name, 1))
            return choose(name, [real, real, *HOSTILE_IDS])
        real = quote(str(court["strings"].get(name, "x")))
        return choose(name, [real, real, *HOSTILE_STRINGS])
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule)


def _send(client, path, method, query, form, files):
    if method == "GET":
        return client.get(path, query_string=query)
    data = dict(form)
    for name, filename in files.items():
        data[name] = (io.BytesIO("证据：合同\n".encode() * 10), filename)
    return client.post(path, query_string=query, data=data,
                       content_type="multipart/form-data" if files else None)


def _short(values):
    return {k: (v if len(v) <= 40 else f"{v[:20]}…({len(v)} chars)") for k, v in values.items()}


def _check(client, path, method, query, form, files):
    where = f"{method} {path[:200]} query={_short(query)!r} form={_short(form)!r}"
    try:
        resp = _send(client, path, method, query, form, files)
    except Exception as exc:  # noqa: BLE001 - an unhandled exception is the 500 we look for
        raise AssertionError(f"{where} raised {exc!r}") from exc
    assert resp.status_code < 500, f"{where}: {resp.status_code}"
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    return resp.status_code


def _sign_in(auth, court, who):
    auth.login(court[who], face=(who == "plaintiff"))


@pytest.mark.parametrize("who", ["plaintiff", "judge"])
def test_every_route_answers_hostile_input_without_a_500(app, client, auth, court, who):
    _sign_in(auth, court, who)
    routes = _routes(app)
    assert len(routes) > 60
    reached = Counter()
    # Deterministic pass: every route with real ids (so hostile query and form values reach the view)
    # and, when it has path variables, with hostile ones; each slot takes the next hostile value in turn.
    for n, (rule, method) in enumerate(routes):
        def choose(_name, options, n=n):
            return options[2 + n % (len(options) - 2)]
        hostile_path = _path(rule, court, choose)
        query = {q: QUERY_HOSTILE[(n + i) % len(QUERY_HOSTILE)] for i, q in enumerate(QUERY_NAMES)}
        form = {f: HOSTILE[(n + i) % len(HOSTILE)] for i, f in enumerate(TEXT_FIELDS)} if method == "POST" else {}
        files = {f: HOSTILE[n % len(HOSTILE)] + ".txt" for f in FILE_FIELDS} if method == "POST" else {}
        # The same route with real ids, so the hostile query and form reach the view itself.
        path = _path(rule, court, lambda _name, options: options[0])
        if hostile_path != path:
            _check(client, hostile_path, method, query, form, files)
        reached[_check(client, path, method, query, form, files)] += 1
    # The sweep must reach the views, not only bounce off sign-in or 404s (or it proves nothing).
    assert reached[200] >= 15 and reached[404] < len(routes) / 2, sorted(reached.items())

    values = st.sampled_from(HOSTILE + BENIGN)
    query_values = st.sampled_from(QUERY_HOSTILE + BENIGN)

    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(route=st.sampled_from(routes), real=st.booleans(), data=st.data(),
           query=st.dictionaries(st.sampled_from(QUERY_NAMES), query_values, max_size=4),
           form=st.dictionaries(st.sampled_from(TEXT_FIELDS), values, max_size=8))
    def mixed(route, real, data, query, form):
        rule, method = route

        def choose(name, options):
            return options[0] if real else data.draw(st.sampled_from(options), label=name)
        path = _path(rule, court, choose)
        _check(client, path, method, query, form if method == "POST" else {}, {})

    mixed()
