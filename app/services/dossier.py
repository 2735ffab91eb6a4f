"""The electronic dossier (电子卷宗): every dossier record bound into a per-court Merkle log, verified
against its rows, its files and the latest signed checkpoint.

Appending is central: a session hook notes new rows of the registered kinds
(`app/services/dossier_records.py`) at each flush, and just before the commit appends one leaf per
record, in the same transaction — the file is written, the leaf appended, then both commit or
neither does. `verify()` recomputes each leaf from the rows and the file bytes, so a changed row or
file (with or without its stored hash), a missing record, an unlogged record, an altered log and a
log that no longer matches its signed checkpoint are all named.
"""
import json
import zlib
from collections import defaultdict
from contextlib import contextmanager

from sqlalchemy import event, exists, func, select, text

from app.extensions import db
from app.models import Case, DossierCheckpoint, DossierLeaf, StoredFile, utcnow
from app.services import checkpoints, filing, merkle, storage
from app.services.dossier_records import KINDS, content_sha256, kinds_for

PEOPLE_LOG = "people"  # records that belong to a person rather than a case (their signatures)
_PENDING = "dossier_pending"
_PAUSED = "dossier_paused"


def log_name(court_id):
    return f"court-{court_id}" if court_id is not None else PEOPLE_LOG


def entry_bytes(leaf):
    """The data the Merkle leaf commits to: the canonical JSON of the leaf row."""
    return json.dumps({"log": leaf.log, "index": leaf.index, "kind": leaf.kind, "id": leaf.record_id,
                       "case": leaf.case_id, "sha256": leaf.content_sha256,
                       "at": leaf.created_at.isoformat(timespec="microseconds")},
                      sort_keys=True, separators=(",", ":")).encode()


# --- appending: the session hook -------------------------------------------------------------

def _after_flush(session, _context):
    if session.info.get(_PAUSED):
        return
    pending = session.info.setdefault(_PENDING, defaultdict(set))
    for obj in session.new:
        for kind in kinds_for(type(obj)):
            pending[kind.name].add(obj.id)
    for obj in session.dirty:
        for kind in kinds_for(type(obj)):
            if kind.on_update:
                pending[kind.name].add(obj.id)


_SCAN = "dossier_scan"


def _do_orm_execute(state):
    """Rows inserted by a Core INSERT on a model (an idempotent INSERT … ON CONFLICT DO NOTHING
    RETURNING id, a bulk insert) skip the flush: take their ids from RETURNING, or else look for
    unlogged rows of that kind before the commit."""
    session = state.session
    if not state.is_insert or session.info.get(_PAUSED) or state.bind_mapper is None:
        return None
    kinds = kinds_for(state.bind_mapper.class_)
    if not kinds:
        return None
    names = [c.get("name") for c in state.statement.returning_column_descriptions]
    if "id" not in names:
        session.info.setdefault(_SCAN, set()).update(k.name for k in kinds)
        return None
    frozen = state.invoke_statement().freeze()
    pending = session.info.setdefault(_PENDING, defaultdict(set))
    for row in frozen().mappings():
        for kind in kinds:
            pending[kind.name].add(row["id"])
    return frozen()


def _before_commit(session):
    if session.info.get(_PAUSED):
        return
    session.flush()
    pending = session.info.pop(_PENDING, None)
    for name in session.info.pop(_SCAN, ()):
        pending = pending if pending is not None else defaultdict(set)
        pending[name].update(unlogged(only=name).get(name, ()))
    if pending:
        append(pending, session=session)
        session.flush()
        session.info.pop(_PENDING, None)


def _forget(session, previous_transaction):
    """A rollback of the whole transaction drops what it noted; a savepoint's rollback does not
    (rows of the enclosing transaction still need their leaves; vanished ids are skipped)."""
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_SCAN, None)


def install():
    """Register the hook once per process (create_app may run many times in tests)."""
    from flask_sqlalchemy.session import Session
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _forget)
        event.listen(Session, "do_orm_execute", _do_orm_execute)


@contextmanager
def paused():
    """Rows written inside are not logged: for tests that simulate a crash or a pre-log database."""
    db.session.info[_PAUSED] = True
    try:
        yield
    finally:
        db.session.info.pop(_PAUSED, None)


def _lock_log(session, log):
    """Leaves of one log are numbered one after the other: one writer per log at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x0D05_0000_0000 + zlib.crc32(log.encode())})


def _stored_hashes(session, file_ids):
    ids = {i for i in file_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(StoredFile.id, StoredFile.sha256).where(StoredFile.id.in_(ids))).all())


def append(pending, session=None):
    """Append one leaf per record of `pending` ({kind name: ids}) that is ready and not yet logged.
    File contents are taken from `stored_files.sha256`, computed from the bytes as they were
    received in this same transaction; `verify()` re-reads the bytes. Returns the new leaves."""
    session = session or db.session
    found = []  # (kind, row)
    for name, ids in sorted(pending.items()):
        kind = KINDS[name]
        ids = sorted(i for i in ids if i is not None)
        for start in range(0, len(ids), 1000):
            stmt = kind.selection().where(kind.model.id.in_(ids[start:start + 1000])).where(
                ~exists().where(DossierLeaf.kind == name, DossierLeaf.record_id == kind.model.id))
            found += [(kind, row) for row in session.execute(stmt)]
    if not found:
        return []
    shas = _stored_hashes(session, [getattr(row, f"file__{f}") for kind, row in found for f in kind.files])
    case_ids = {row.case_id for _k, row in found if row.case_id is not None}
    courts = dict(session.execute(select(Case.id, Case.court_id).where(Case.id.in_(case_ids))).all()) if case_ids else {}
    by_log = defaultdict(list)
    for kind, row in found:
        files = {f: shas.get(getattr(row, f"file__{f}")) for f in kind.files}
        if kind.bytes_only and files["bytes"] is None:
            continue
        by_log[log_name(courts.get(row.case_id) if row.case_id is not None else None)].append(
            (kind, row, content_sha256(kind, row, files)))
    made = []
    for log in sorted(by_log):
        _lock_log(session, log)
        last = session.scalar(select(func.max(DossierLeaf.index)).where(DossierLeaf.log == log))
        index = -1 if last is None else last
        now = utcnow()
        for kind, row, digest in by_log[log]:
            index += 1
            leaf = DossierLeaf(log=log, index=index, kind=kind.name, record_id=row.id, case_id=row.case_id,
                               content_sha256=digest, created_at=now)
            leaf.leaf_hash = merkle.leaf_hash(entry_bytes(leaf)).hex()
            session.add(leaf)
            made.append(leaf)
    session.flush()
    return made


# --- reading the log ---------------------------------------------------------------------------

def leaf_hashes(log, size=None):
    stmt = select(DossierLeaf.leaf_hash).where(DossierLeaf.log == log).order_by(DossierLeaf.index)
    if size is not None:
        stmt = stmt.limit(size)
    return [bytes.fromhex(h) for h in db.session.scalars(stmt)]


def logs():
    return list(db.session.scalars(select(DossierLeaf.log).distinct().order_by(DossierLeaf.log)))


def latest_checkpoint(log):
    return db.session.scalar(select(DossierCheckpoint).where(DossierCheckpoint.log == log)
                             .order_by(DossierCheckpoint.size.desc(), DossierCheckpoint.id.desc()).limit(1))


def sign_checkpoints():
    """Sign a checkpoint of every log that grew since its last one; returns the new checkpoints.
    Run by the periodic job; keeps every checkpoint."""
    made = []
    for log in logs():
        _lock_log(db.session, log)
        hashes = leaf_hashes(log)
        last = latest_checkpoint(log)
        if last is not None and last.size == len(hashes):
            continue
        root = merkle.root(hashes)
        note = checkpoints.sign(checkpoints.body(checkpoints.origin(log), len(hashes), root))
        cp = DossierCheckpoint(log=log, size=len(hashes), root_hash=root.hex(), note=note)
        db.session.add(cp)
        made.append(cp)
    db.session.flush()
    return made


def case_leaves(case_id):
    return db.session.scalars(select(DossierLeaf).where(DossierLeaf.case_id == case_id)
                              .order_by(DossierLeaf.log, DossierLeaf.index)).all()


def leaf_for(kind, record_id):
    return db.session.scalar(select(DossierLeaf).where(DossierLeaf.kind == kind, DossierLeaf.record_id == record_id))


def proof(leaf):
    """An inclusion proof of one leaf against the latest checkpoint that covers it, as a JSON-able
    dict for `tools/verify_proof.py`; None while no checkpoint covers the leaf yet."""
    cp = latest_checkpoint(leaf.log)
    if cp is None or cp.size <= leaf.index:
        return None
    hashes = leaf_hashes(leaf.log, cp.size)
    path = merkle.inclusion_proof(hashes, leaf.index, cp.size)
    return {"log": leaf.log, "index": leaf.index, "tree_size": cp.size, "entry": entry_bytes(leaf).decode(),
            "leaf_hash": leaf.leaf_hash, "inclusion_path": [p.hex() for p in path],
            "checkpoint": cp.note, "verifier_key": checkpoints.verifier_key()}


def consistency(log, old_size, new_size):
    return [p.hex() for p in merkle.consistency_proof(leaf_hashes(log, new_size), old_size, new_size)]


def find_by_sha256(digest):
    """The file leaf whose original bytes have this SHA-256, and the checkpoint that covers it."""
    digest = (digest or "").strip().lower()
    leaf = db.session.scalar(select(DossierLeaf).where(DossierLeaf.content_sha256 == digest,
                                                       DossierLeaf.kind == "file").order_by(DossierLeaf.id).limit(1))
    if leaf is None:
        return None, None
    cp = latest_checkpoint(leaf.log)
    return leaf, (cp if cp is not None and cp.size > leaf.index else None)


# --- verifying ---------------------------------------------------------------------------------

class _FileHasher:
    """Each stored file is read once per verification, however many records name it."""

    def __init__(self):
        self.cache, self.rows = {}, {}
        self.bytes_read = 0

    def __call__(self, file_id):
        if file_id is None:
            return None
        if file_id not in self.cache:
            stored = db.session.get(StoredFile, file_id)
            try:
                self.cache[file_id] = storage.file_sha256(stored) if stored is not None else None
                self.bytes_read += stored.size if stored is not None else 0
            except FileNotFoundError:
                self.cache[file_id] = None
        return self.cache[file_id]


class _Leaf:
    """A leaf row read for verification: plain attributes, without the ORM's per-object cost."""
    __slots__ = ("id", "log", "index", "kind", "record_id", "case_id", "content_sha256", "leaf_hash", "created_at")

    def __init__(self, values):
        for name, value in zip(self.__slots__, values):
            setattr(self, name, value)


def _leaf_rows():
    return select(*[getattr(DossierLeaf, name) for name in _Leaf.__slots__])


def _leaves(stmt):
    return (_Leaf(row) for row in db.session.execute(stmt))


def describe(kind, row=None, leaf=None):
    """How a problem names a record: its kind, id and what people recognise it by."""
    rid = row.id if row is not None else leaf.record_id
    name = f"{kind.name} {rid}" if kind is not None else f"{leaf.kind} {rid}"
    if row is None:
        return name
    hint = {"event": lambda r: f"#{r.seq} ({r.kind})", "file": lambda r: r.original_name,
            "case_number": lambda r: r.case_number, "exhibit": lambda r: f"证据{r.exhibit_no}",
            "message": lambda r: f"by {r.author_name}" if r.author_name else None}.get(kind.name)
    extra = hint(row) if hint else None
    return f"{name} ({extra})" if extra else name


def verify(case_id=None, hasher=None):
    """Problems, as English sentences (empty when intact): of one case's records, or (None) of
    every record, and of the logs they are in."""
    hasher = hasher or _FileHasher()
    problems = []
    leaves_q = _leaf_rows()
    if case_id is not None:
        leaves_q = leaves_q.where(DossierLeaf.case_id == case_id)
    leaves = defaultdict(dict)
    log_names = set()
    for leaf in _leaves(leaves_q.order_by(DossierLeaf.log, DossierLeaf.index)):
        leaves[leaf.kind][leaf.record_id] = leaf
        log_names.add(leaf.log)
    if case_id is not None:
        case = db.session.get(Case, case_id)
        if case is not None:
            log_names.add(log_name(case.court_id))
    for name, kind in KINDS.items():
        if case_id is not None and kind.case_id is None:
            continue
        stmt = kind.selection()
        if case_id is not None:
            stmt = stmt.where(kind.case_id == case_id)
        rows = {row.id: row for row in db.session.execute(stmt)}
        logged = leaves.pop(name, {})
        for rid in sorted(set(rows) | set(logged)):
            row, leaf = rows.get(rid), logged.get(rid)
            if leaf is None:
                problems.append(f"{describe(kind, row)} is not in the dossier log (added outside the court's "
                                f"software, or never logged: `flask dossier repair`)")
                continue
            if row is None:
                problems.append(f"{describe(kind, leaf=leaf)} is missing (it is entry #{leaf.index} of log {leaf.log})")
                continue
            files = {f: hasher(getattr(row, f"file__{f}")) for f in kind.files}
            missing = [f for f, h in files.items() if h is None and getattr(row, f"file__{f}") is not None]
            if missing:
                problems.append(f"{describe(kind, row)}: its file is missing from the store")
            elif content_sha256(kind, row, files) != leaf.content_sha256:
                what = "its file was replaced" if kind.bytes_only or (
                    kind.files and _only_files_changed(kind, row, files, leaf, hasher)) else "it was changed"
                problems.append(f"{describe(kind, row)} was changed after it was logged ({what})")
            if row.case_id != leaf.case_id:
                problems.append(f"{describe(kind, row)} was moved to another case")
    for name, logged in leaves.items():  # kinds no longer registered
        for leaf in logged.values():
            problems.append(f"entry #{leaf.index} of log {leaf.log} names an unknown kind of record ({name})")
    for log in sorted(log_names):
        problems += verify_log(log)
    return problems


def _only_files_changed(kind, row, files, leaf, hasher):
    """True when the row, with its files as first logged (their own `file` leaves) or as recorded
    in stored_files, matches the leaf: the columns are intact and a file's bytes were replaced."""
    recorded = {}
    for f in kind.files:
        fid = getattr(row, f"file__{f}")
        file_leaf = leaf_for("file", fid) if fid is not None else None
        recorded[f] = file_leaf.content_sha256 if file_leaf is not None else \
            _stored_hashes(db.session, [fid]).get(fid)
    return content_sha256(kind, row, recorded) == leaf.content_sha256


def verify_log(log):
    """The log itself: entries unaltered and numbered without gaps, and its tree head equal to the
    latest signed checkpoint (so history was not rewritten and nothing was cut off the end)."""
    problems, hashes = [], []
    for expected, leaf in enumerate(_leaves(_leaf_rows().where(DossierLeaf.log == log).order_by(DossierLeaf.index))):
        if leaf.index != expected:
            problems.append(f"log {log}: entries #{expected}..#{leaf.index - 1} are missing")
            break
        if merkle.leaf_hash(entry_bytes(leaf)).hex() != leaf.leaf_hash:
            problems.append(f"log {log}: entry #{leaf.index} ({leaf.kind} {leaf.record_id}) was altered")
        hashes.append(bytes.fromhex(leaf.leaf_hash))
    # Every checkpoint ever signed must still match: the latest catches a cut-off end, the
    # earlier ones say from where history was rewritten.
    signed = db.session.scalars(select(DossierCheckpoint).where(DossierCheckpoint.log == log)
                                .order_by(DossierCheckpoint.size, DossierCheckpoint.id)).all()
    if not signed:
        return problems
    heads = []
    for cp in signed:
        try:
            origin, size, root = checkpoints.verify(cp.note)
        except checkpoints.BadCheckpoint as exc:
            problems.append(f"log {log}: checkpoint {cp.id}: {exc}")
            continue
        if origin != checkpoints.origin(log):
            problems.append(f"log {log}: checkpoint {cp.id} is for another log ({origin})")
            continue
        heads.append((cp, size, root))
    if heads and heads[-1][1] > len(hashes):
        problems.append(f"log {log}: the signed checkpoint has {heads[-1][1]} entries but the log now has "
                        f"{len(hashes)}: entries were deleted from its end")
    roots = merkle.prefix_roots(hashes, [size for _cp, size, _r in heads if size <= len(hashes)])
    for cp, size, root in heads:
        if size in roots and roots[size] != root:
            problems.append(f"log {log}: the first {size} entries no longer match the signed checkpoint: "
                            f"history was rewritten")
            break
    return problems


# --- repair ------------------------------------------------------------------------------------

def unlogged(case_id=None, only=None):
    """{kind name: ids} of ready records without a leaf."""
    found = defaultdict(set)
    for name, kind in KINDS.items():
        if only is not None and name != only:
            continue
        sel = kind.selection().where(~exists().where(DossierLeaf.kind == name, DossierLeaf.record_id == kind.model.id))
        if case_id is not None:
            if kind.case_id is None:
                continue
            sel = sel.where(kind.case_id == case_id)
        found[name].update(row.id for row in db.session.execute(sel))
    return {k: v for k, v in found.items() if v}


def orphan_files():
    """Files in the store that no stored_files row names (a crash after writing, before commit),
    and leftover partial uploads."""
    root = storage.root()
    keys = set(db.session.scalars(select(StoredFile.storage_key)))
    out = []
    for path in sorted(root.glob("*/*")):
        if path.parent.name == "orphans" or not path.is_file():
            continue
        if path.name not in keys:
            out.append(path)
    return out


def repair(dry_run=False):
    """Log the records that have no leaf and move orphan files aside (under `orphans/`).
    Returns (leaves appended or to append as (kind, id), orphan paths)."""
    pending = unlogged()
    orphans = orphan_files()
    if dry_run:
        return [(k, i) for k, ids in sorted(pending.items()) for i in sorted(ids)], orphans
    made = append(pending)
    target = storage.root() / "orphans"
    for path in orphans:
        target.mkdir(exist_ok=True)
        path.rename(target / path.name)
    return [(leaf.kind, leaf.record_id) for leaf in made], orphans


# --- the public /verify page (codes printed on court documents) --------------------------------

def find_by_code(code):
    """The court document a printed verification code belongs to, for the public /verify page:
    {title, case_number, issued_at, sha256, issued} and nothing personal; None when no document has
    it. `issued` is False for a draft transcript: it exists, but it is not an issued document.
    Spaces and dashes typed between groups are ignored (older codes were printed XXXX-XXXX)."""
    import re
    from app.models.filing import AcceptanceNotice
    from app.models.mediation import MediationAgreement
    from app.models.service import ServiceOfDocument
    from app.models.transcript import TranscriptVersion
    code = (code or "").strip().upper()
    if not code or len(code) > 40:
        return None
    bare = re.sub(r"[\s\-]", "", code)
    forms = {code, bare} | ({f"{bare[:4]}-{bare[4:]}"} if len(bare) == 8 else set())
    found = db.session.scalar(select(AcceptanceNotice).where(AcceptanceNotice.verification_code.in_(forms)))
    if found:
        return dict(title=filing.ACCEPTANCE_NOTICE_TITLE, case_number=found.case.case_number, issued_at=found.created_at,
                    sha256=found.stored.sha256, issued=True)
    found = db.session.scalar(select(TranscriptVersion).where(TranscriptVersion.verification_code.in_(forms))
                              .order_by(TranscriptVersion.id.desc()).limit(1))
    if found:
        draft = found.kind == "draft"
        return dict(title="笔录（草稿）" if draft else "笔录（已签名）", case_number=found.transcript.case.number,
                    issued_at=found.created_at, sha256=found.file.sha256, issued=not draft)
    found = db.session.scalar(select(MediationAgreement).where(MediationAgreement.verification_code.in_(forms)))
    if found and found.file:
        return dict(title="调解协议", case_number=found.case.case_number, issued_at=found.signed_at,
                    sha256=found.file.sha256, issued=True)
    found = db.session.scalar(select(ServiceOfDocument).where(ServiceOfDocument.certificate_code.in_(forms)))
    if found and found.certificate:
        return dict(title="送达回证", case_number=found.case.case_number, issued_at=found.effective_at,
                    sha256=found.certificate.sha256, issued=True)
    return _find_case_document(forms)


def verify_files(case_id):
    """Problems with the files filed in a case against their hash at receipt (kept for callers)."""
    problems = []
    for f in db.session.scalars(select(StoredFile).where(StoredFile.case_id == case_id).order_by(StoredFile.id)):
        try:
            actual = storage.file_sha256(f)
        except FileNotFoundError:
            problems.append(f"file {f.id} ({f.original_name}) is missing from the store")
            continue
        if actual != f.sha256:
            problems.append(f"file {f.id} ({f.original_name}) was changed after receipt")
    return problems


def _find_case_document(forms):
    """Court documents (判决书, 裁定书, 调解书) and payment notices (交费通知书) by their printed codes."""
    from app.models.court_document import CourtDocument
    from app.models.fees import CourtFee
    found = db.session.scalar(select(CourtDocument).where(CourtDocument.verification_code.in_(forms)))
    if found and found.file:
        return dict(title=found.title, case_number=found.case.case_number, issued_at=found.issued_at,
                    sha256=found.file.sha256, issued=True)
    found = db.session.scalar(select(CourtFee).where(CourtFee.notice_code.in_(forms)))
    if found and found.notice_file:
        return dict(title="交费通知书", case_number=found.case.case_number, issued_at=found.created_at,
                    sha256=found.notice_file.sha256, issued=True)
    return None


def hidden_leaf_ids(case, user):
    """The case's log entries this user may not see: everything of a hearing they are not part of
    (a mediation session held with one side only: its messages, items, exhibits and their files,
    transcript, agreement, events, and the service of its documents). Court staff see everything."""
    from app.models import (CaseEvent, Evidence, Hearing, HearingItem, MediationAgreement, Message,
                            ServiceOfDocument, SignatureApplication, Transcript, TranscriptVersion)
    from app.models.hearing import DeadlineChange, ExtensionRequest
    from app.models.mediation import MediationConfirmation, MediationVersion
    from app.models.transcript import TranscriptConfirmation
    hidden = {h.id for h in db.session.scalars(select(Hearing).where(Hearing.case_id == case.id))
              if not h.can_view(user)}
    if not hidden:
        return set()
    transcripts = set(db.session.scalars(select(Transcript.id).where(Transcript.hearing_id.in_(hidden))))
    agreements = set(db.session.scalars(select(MediationAgreement.id).where(MediationAgreement.hearing_id.in_(hidden))))
    items = set(db.session.scalars(select(HearingItem.id).where(HearingItem.hearing_id.in_(hidden))))
    records = {
        "message": select(Message.id).where(Message.hearing_id.in_(hidden)),
        "item": select(HearingItem.id).where(HearingItem.hearing_id.in_(hidden)),
        "deadline_change": select(DeadlineChange.id).where(DeadlineChange.item_id.in_(items)),
        "extension_request": select(ExtensionRequest.id).where(ExtensionRequest.item_id.in_(items)),
        "extension_decision": select(ExtensionRequest.id).where(ExtensionRequest.item_id.in_(items)),
        "exhibit": select(Evidence.id).where(Evidence.hearing_id.in_(hidden)),
        "transcript_version": select(TranscriptVersion.id).where(TranscriptVersion.transcript_id.in_(transcripts)),
        "transcript_answer": select(TranscriptConfirmation.id).where(
            TranscriptConfirmation.transcript_id.in_(transcripts)),
        "agreement": select(MediationAgreement.id).where(MediationAgreement.id.in_(agreements)),
        "mediation_version": select(MediationVersion.id).where(MediationVersion.agreement_id.in_(agreements)),
        "mediation_confirmation": select(MediationConfirmation.id).where(
            MediationConfirmation.agreement_id.in_(agreements)),
        "signature_application": select(SignatureApplication.id).where(
            ((SignatureApplication.document_kind == "transcript") & SignatureApplication.document_id.in_(transcripts))
            | ((SignatureApplication.document_kind == "mediation") & SignatureApplication.document_id.in_(agreements))),
    }
    ids = {kind: set(db.session.scalars(q)) for kind, q in records.items()}
    files = (set(db.session.scalars(select(Evidence.file_id).where(Evidence.hearing_id.in_(hidden))))
             | set(db.session.scalars(select(TranscriptVersion.file_id).where(
                 TranscriptVersion.transcript_id.in_(transcripts))))
             | set(db.session.scalars(select(MediationAgreement.file_id).where(
                 MediationAgreement.id.in_(agreements), MediationAgreement.file_id.isnot(None)))))
    served = db.session.execute(select(ServiceOfDocument.id, ServiceOfDocument.certificate_id).where(
        ServiceOfDocument.case_id == case.id, ServiceOfDocument.file_id.in_(files))).all() if files else []
    ids["service"] = ids["service_certificate"] = {s.id for s in served}
    ids["file"] = files | {s.certificate_id for s in served if s.certificate_id}
    ids["event"] = {e.id for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
                    if (e.data or {}).get("hearing_id") in hidden}
    return {leaf.id for leaf in case_leaves(case.id) if leaf.record_id in ids.get(leaf.kind, ())}


def visible_leaves(case, user):
    """The case's log entries, less those of hearings this user is not part of."""
    hidden = hidden_leaf_ids(case, user)
    return [leaf for leaf in case_leaves(case.id) if leaf.id not in hidden]
