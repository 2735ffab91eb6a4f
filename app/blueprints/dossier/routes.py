"""The dossier pages (电子卷宗): the case's log entries with hash and time, one document with its
inclusion proof, the whole case as a ZIP with a manifest and proofs, a printable list; and the
public pages: the latest signed checkpoint, the verifier key, and checking an uploaded document."""
import hashlib
import json
import tempfile
import zipfile

from flask import Blueprint, Response, abort, current_app, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.blueprints import case_or_404
from app.blueprints.dossier.forms import CheckDocumentForm
from app.config import ROOT
from app.extensions import db, limiter
from app.models import DossierLeaf, StoredFile
from app.services import checkpoints, dossier, storage
from app.services.dossier_records import KINDS

bp = Blueprint("dossier", __name__)


def _entries(case):
    """The case's log entries this user may see, each with its kind's label and, for files, the
    stored file (a party left out of a hearing sees nothing of it here either)."""
    leaves = dossier.visible_leaves(case, current_user)
    files = {f.id: f for f in db.session.query(StoredFile).filter(
        StoredFile.id.in_([leaf.record_id for leaf in leaves if leaf.kind == "file"]))} if leaves else {}
    return [dict(leaf=leaf, label=KINDS[leaf.kind].label if leaf.kind in KINDS else leaf.kind,
                 file=files.get(leaf.record_id) if leaf.kind == "file" else None) for leaf in leaves]


def _checkpoints(entries):
    return {log: dossier.latest_checkpoint(log) for log in {e["leaf"].log for e in entries}}


@bp.route("/cases/<int:case_id>/dossier")
@login_required
def index(case_id):
    case = case_or_404(case_id)
    entries = _entries(case)
    return render_template("dossier/index.html", case=case, entries=entries, checkpoints=_checkpoints(entries))


@bp.route("/cases/<int:case_id>/dossier/print")
@login_required
def printable(case_id):
    case = case_or_404(case_id)
    entries = _entries(case)
    return render_template("dossier/print.html", case=case, entries=entries, checkpoints=_checkpoints(entries))


def _leaf_of(case, leaf_id):
    leaf = db.session.get(DossierLeaf, leaf_id)
    if leaf is None or leaf.case_id != case.id or leaf.id in dossier.hidden_leaf_ids(case, current_user):
        abort(404)
    return leaf


def _proof_json(leaf):
    found = dossier.proof(leaf)
    if found is None:
        found = {"log": leaf.log, "index": leaf.index, "entry": dossier.entry_bytes(leaf).decode(),
                 "checkpoint": None,
                 "note": "not yet covered by a signed checkpoint: the court signs one every minute or so"}
    return json.dumps(found, indent=2, ensure_ascii=False)


README = """How to check this dossier without the court's software

Each proof-*.json shows that one entry is in the court's log, whose tree head the court signed
(the "checkpoint"). With Python 3 and the `cryptography` package:

    python verify_proof.py proof.json --key '{key}' --file the-document.pdf

Take the key from the court ({base}/dossier/key) or another trusted source, not only from here.
manifest.json lists every entry: kind, record, SHA-256 of its content, time, and file name.
"""


def _zip_response(write, download_name):
    tmp = tempfile.TemporaryFile()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        write(z)
        z.writestr("README.txt", README.format(key=checkpoints.verifier_key(), base=current_app.config["BASE_URL"]))
        z.write(ROOT / "tools" / "verify_proof.py", "verify_proof.py")
    tmp.seek(0)
    resp = send_file(tmp, mimetype="application/zip", as_attachment=True, download_name=download_name)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _file_name(leaf, stored):
    return f"files/{leaf.index:06d}-{storage.clean_name(stored.original_name)}"


@bp.route("/cases/<int:case_id>/dossier/entries/<int:leaf_id>/proof.json")
@login_required
def proof(case_id, leaf_id):
    case = case_or_404(case_id)
    leaf = _leaf_of(case, leaf_id)
    resp = Response(_proof_json(leaf), mimetype="application/json")
    resp.headers["Content-Disposition"] = f"attachment; filename=proof-{leaf.log}-{leaf.index}.json"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/cases/<int:case_id>/dossier/entries/<int:leaf_id>.zip")
@login_required
def entry_zip(case_id, leaf_id):
    """One document with its inclusion proof (and the standalone verifier)."""
    case = case_or_404(case_id)
    leaf = _leaf_of(case, leaf_id)
    stored = db.session.get(StoredFile, leaf.record_id) if leaf.kind == "file" else None

    def write(z):
        if stored is not None:
            z.write(storage.path_of(stored), _file_name(leaf, stored))
        z.writestr("proof.json", _proof_json(leaf))
    return _zip_response(write, f"{case.number}-{leaf.log}-{leaf.index}.zip")


@bp.route("/cases/<int:case_id>/dossier.zip")
@login_required
def case_zip(case_id):
    """The whole case file: every document, a manifest of every entry, and a proof of each."""
    case = case_or_404(case_id)
    entries = _entries(case)

    def write(z):
        manifest = []
        for e in entries:
            leaf, stored = e["leaf"], e["file"]
            item = {"log": leaf.log, "index": leaf.index, "kind": leaf.kind, "record": leaf.record_id,
                    "sha256": leaf.content_sha256, "at": leaf.created_at.isoformat(), "proof": None, "file": None}
            if stored is not None:
                item["file"] = _file_name(leaf, stored)
                try:
                    z.write(storage.path_of(stored), item["file"])
                except FileNotFoundError:
                    item["file"] = None
                    item["missing"] = True
            item["proof"] = f"proofs/proof-{leaf.log}-{leaf.index}.json"
            z.writestr(item["proof"], _proof_json(leaf))
            manifest.append(item)
        z.writestr("manifest.json", json.dumps({"case": case.number, "entries": manifest}, indent=2,
                                               ensure_ascii=False))
    return _zip_response(write, f"{case.number}-dossier.zip")


# --- public --------------------------------------------------------------------------------------

def _text(body, status=200):
    resp = Response(body, status=status, mimetype="text/plain")
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Access-Control-Allow-Origin"] = "*"  # witnesses fetch it from anywhere
    return resp


@bp.route("/dossier/checkpoint")
@bp.route("/dossier/checkpoint/<log>")
def checkpoint(log=None):
    """The latest signed checkpoint (C2SP signed note) of a log; without a log name, of the first
    court's log, or the list of logs when there are several."""
    names = dossier.logs()
    if log is None:
        courts = [n for n in names if n != dossier.PEOPLE_LOG]
        if len(courts) != 1:
            return _text("".join(f"/dossier/checkpoint/{n}\n" for n in names))
        log = courts[0]
    cp = dossier.latest_checkpoint(log) if log in names else None
    if cp is None:
        return _text(_("No signed checkpoint yet.") + "\n", 404)
    return _text(cp.note)


@bp.route("/dossier/consistency/<log>/<int:old>/<int:new>")
def consistency(log, old, new):
    """A consistency proof between two signed tree heads, for a witness that holds the older one."""
    cp = dossier.latest_checkpoint(log)
    if cp is None:
        abort(404)
    if not 0 <= old <= new <= cp.size:
        return _text(_("Both sizes must be between 0 and the latest signed checkpoint's size (%(size)s).",
                       size=cp.size) + "\n", 400)
    body = json.dumps({"log": log, "old_size": old, "new_size": new,
                       "proof": dossier.consistency(log, old, new)}, indent=2)
    resp = Response(body, mimetype="application/json")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.route("/dossier/key")
def key():
    return _text(checkpoints.verifier_key() + "\n")


@bp.route("/dossier/verify", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])
def check():
    """Anyone may ask whether a document is in the dossier: by its bytes, nothing personal shown."""
    form = CheckDocumentForm()
    result, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        if not upload:
            form.file.errors.append(_("Choose the document to check."))
            status = 400
        else:
            from app.services.pdf_signing import check as check_signature
            data = upload.stream.read()  # bounded by MAX_CONTENT_LENGTH
            digest = hashlib.sha256(data).hexdigest()
            leaf, cp = dossier.find_by_sha256(digest)
            result = dict(sha256=digest, leaf=leaf, checkpoint=cp, signature=check_signature(data),
                          label=KINDS[leaf.kind].label if leaf is not None else None)
    elif form.errors:
        status = 400
    return render_template("dossier/check.html", form=form, result=result), status
