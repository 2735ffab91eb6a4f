"""The file store: uploads saved under server-made names in a checked root, validated by content.

`save_upload()` reads at most the size limit, sniffs the real type from the bytes (the name and
the browser's Content-Type are not trusted), stores the original bytes, and records their SHA-256.
Files are only ever served as attachments (`app.blueprints.send_stored()`), never inline.
"""
import codecs
import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

from flask import current_app

from app.extensions import db
from app.models.document import StoredFile
from app.services.errors import DomainError, N_

# kind -> allowed sniffed types
KINDS = {
    "image": {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"},
    "document": {"application/pdf", "image/jpeg", "image/png", "application/msword",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "text/plain"},
    "video": {"video/mp4", "video/quicktime", "video/webm", "video/3gpp"},
}
KINDS["evidence"] = KINDS["image"] | KINDS["document"] | KINDS["video"] | {"audio/mpeg", "audio/mp4", "audio/amr"}


class UploadRefused(DomainError):
    status = 400
    message = N_("This file cannot be accepted.")


class FileTooLarge(UploadRefused):
    status = 413
    message = N_("The file is too large. The limit is %(mb)s MB.")


class FileTypeRefused(UploadRefused):
    message = N_("This type of file is not accepted here. Allowed: %(allowed)s.")


class EmptyFile(UploadRefused):
    message = N_("The file is empty.")


def sniff(head: bytes, complete=False):
    """The content type from the first bytes of a file, or None. `complete` says that `head` is the
    whole file; otherwise a multi-byte character cut at its end still counts as text."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return "image/heic"
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        if brand in (b"M4A ",):
            return "audio/mp4"
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return "audio/mpeg"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/msword"  # OLE2: .doc/.xls
    if head.startswith(b"PK\x03\x04"):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"  # refined below
    return "text/plain" if _utf8_text(head, final=complete) else None


def _utf8_text(data, final):
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


class _Utf8Check:
    """Whether a stream, fed chunk by chunk, is UTF-8 text (no NUL) from start to end."""

    def __init__(self):
        self.decoder, self.ok = codecs.getincrementaldecoder("utf-8")(), True

    def feed(self, chunk, final=False):
        if self.ok:
            try:
                self.decoder.decode(chunk, final=final)
                self.ok = b"\x00" not in chunk
            except UnicodeDecodeError:
                self.ok = False


def _refine_zip(path, name):
    """OOXML files are zips: tell Word from Excel by their parts, refuse any other zip."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile:
        return None
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def root():
    path = Path(current_app.config["STORAGE"]).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored: StoredFile) -> Path:
    p = (root() / stored.storage_key[:2] / stored.storage_key).resolve()
    if root() not in p.parents:  # the key is ours, but check anyway
        raise UploadRefused()
    return p


def clean_name(name):
    """A display name only (never a path): no directories, no control characters, not too long."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    return (name or "file")[:200]


def limit_mb(kind):
    cfg = current_app.config
    return cfg.get(f"UPLOAD_LIMIT_MB_{kind.upper()}", cfg.get("UPLOAD_LIMIT_MB", 20))


def save_upload(file_storage, *, kind, actor, case=None, on_behalf_of=None, limit_mb_override=None):
    """Validate and store a werkzeug FileStorage. Raises UploadRefused subclasses with a reason."""
    allowed = KINDS[kind]
    limit = (limit_mb_override or limit_mb(kind)) * 1024 * 1024
    key = secrets.token_hex(16)
    dest = root() / key[:2] / key
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    digest, size, head, text = hashlib.sha256(), 0, b"", _Utf8Check()
    stream = file_storage.stream
    try:
        with open(tmp, "wb") as out:
            while True:
                chunk = stream.read(1024 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FileTooLarge(mb=limit // (1024 * 1024))
                if len(head) < 64:
                    head += chunk[:64 - len(head)]
                text.feed(chunk)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EmptyFile()
        ctype = sniff(head, complete=size <= len(head))
        text.feed(b"", final=True)
        if ctype == "text/plain" and not text.ok:  # text must be UTF-8 to its last byte, not only its first 64
            ctype = None
        if ctype and ctype.startswith("application/vnd.openxml"):
            ctype = _refine_zip(tmp, file_storage.filename)
        if ctype not in allowed:
            raise FileTypeRefused(allowed=", ".join(sorted(_labels(allowed))))
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    stored = StoredFile(storage_key=key, original_name=clean_name(file_storage.filename), content_type=ctype,
                        size=size, sha256=digest.hexdigest(), case_id=case.id if case else None,
                        uploaded_by_id=actor.id if actor else None,
                        on_behalf_of_id=on_behalf_of.id if on_behalf_of else None)
    db.session.add(stored)
    db.session.flush()
    return stored


def save_bytes(data: bytes, *, name, content_type, actor=None, case=None):
    """Store bytes the court itself made (PDFs, thumbnails)."""
    key = secrets.token_hex(16)
    dest = root() / key[:2] / key
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, dest)
    stored = StoredFile(storage_key=key, original_name=clean_name(name), content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        case_id=case.id if case else None, uploaded_by_id=actor.id if actor else None)
    db.session.add(stored)
    db.session.flush()
    return stored


def read_bytes(stored):
    return path_of(stored).read_bytes()


def file_sha256(stored, chunk=1024 * 1024):
    h = hashlib.sha256()
    with open(path_of(stored), "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def _labels(types):
    short = {"image/jpeg": "JPG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP", "image/heic": "HEIC",
             "application/pdf": "PDF", "application/msword": "DOC/XLS",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
             "application/vnd.ms-excel": "XLS",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX", "text/plain": "TXT",
             "video/mp4": "MP4", "video/quicktime": "MOV", "video/webm": "WEBM", "video/3gpp": "3GP",
             "audio/mpeg": "MP3", "audio/mp4": "M4A", "audio/amr": "AMR"}
    return {short.get(t, t) for t in types}
