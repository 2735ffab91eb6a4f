"""Signatures (签名): capture once (drawn or photographed), apply to exact document versions.

A signature is never applied silently: `apply_signature()` needs a fresh face check (court staff
are exempt) and the hash of the exact version the person was shown. Documents are identified by
`content_hash()`, the SHA-256 of a canonical JSON of the data that goes into the PDF.
"""
import base64
import binascii
import datetime as dt
import hashlib
import io
import json

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from app.extensions import db
from app.models import Signature, SignatureApplication, utcnow
from app.services import storage
from app.services.errors import DomainError, InvalidState, N_, NotAllowed

MAX_BYTES = 8 * 1024 * 1024        # a phone photo of a signature on paper
MAX_PIXELS = 40_000_000            # refuse decompression bombs before decoding
MAX_WIDTH = 600
MIN_INK = 0.002                    # fraction of the cropped-from image that must be ink
MAX_INK = 0.5                      # more ink than this is not a signature (a dark photo)
_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone


class UnusableSignature(DomainError):
    message = N_("This picture cannot be used as a signature.")


class EmptySignature(UnusableSignature):
    message = N_("No signature found: draw your name, or photograph your signature on white paper.")


class SignatureTooLarge(UnusableSignature):
    status = 413
    message = N_("The signature image is too large. Use a photo under 8 MB.")


class NoSignature(InvalidState):
    message = N_("Capture your signature first.")


class FaceCheckRequired(NotAllowed):
    message = N_("Signing needs a fresh face check.")


class StaleVersion(InvalidState):
    message = N_("The document has changed since you opened it. Read the new version and confirm again; nothing was signed.")


# --------------------------------------------------------------------------- document identity

def _canonical(value):
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return value


def content_hash(data):
    """SHA-256 of the canonical JSON of a document's data (images count by their hash)."""
    body = json.dumps(_canonical(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


VERIFICATION_CODE_LENGTH = 16  # 16 × 5 bits = 80 bits


def verification_code(doc_hash, kind=""):
    """The code printed on each page for /verify: 16 characters of a 32-letter alphabet (80 bits),
    derived from the content so a re-render keeps it. 80 bits cannot be guessed through /verify,
    which is rate-limited as well."""
    n = int(hashlib.sha256(f"{kind}:{doc_hash}".encode()).hexdigest(), 16)
    chars = []
    for _ in range(VERIFICATION_CODE_LENGTH):
        n, r = divmod(n, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[r])
    return "".join(chars)


# --------------------------------------------------------------------------- capture

def normalise(img):
    """Any picture of a signature -> black ink on transparent, cropped to the ink, ≤ 600 px wide."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)  # transparent canvas = paper
    grey = ImageOps.autocontrast(img.convert("L"), cutoff=1)
    if grey.getextrema()[0] == grey.getextrema()[1]:
        raise EmptySignature()
    # Ink is what is clearly darker than the paper; autocontrast has spread paper to near white.
    ink = grey.point(lambda v: 255 if v < 110 else 0)
    box = ink.getbbox()
    if box is None:
        raise EmptySignature()
    total = grey.width * grey.height
    share = sum(ink.histogram()[255:]) / total
    if share < MIN_INK:
        raise EmptySignature()
    if share > MAX_INK:
        raise UnusableSignature(N_("This does not look like a signature on white paper; take the photo again on a plain white sheet."))
    pad = 4
    box = (max(box[0] - pad, 0), max(box[1] - pad, 0), min(box[2] + pad, grey.width), min(box[3] + pad, grey.height))
    alpha = ink.crop(box)
    if alpha.width > MAX_WIDTH:
        alpha = alpha.resize((MAX_WIDTH, max(1, round(alpha.height * MAX_WIDTH / alpha.width))), Image.LANCZOS)
    out = Image.new("RGBA", alpha.size, (0, 0, 0, 0))
    out.putalpha(alpha)
    buf = io.BytesIO()
    out.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def _open(data):
    if len(data) > MAX_BYTES:
        raise SignatureTooLarge()
    if not data:
        raise EmptySignature()
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            raise SignatureTooLarge()
        img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnusableSignature(N_("This file is not a picture we can read (use JPG or PNG).")) from exc
    return img


def decode_data_url(data_url):
    """The PNG bytes of a canvas `toDataURL()` value."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise EmptySignature()
    if len(data_url) > MAX_BYTES * 4 // 3 + len(prefix):
        raise SignatureTooLarge()
    try:
        return base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UnusableSignature() from exc


def current_signature(user):
    return db.session.scalar(select(Signature).where(Signature.user_id == user.id)
                             .order_by(Signature.version.desc()).limit(1))


def save_signature(user, data, source="drawn"):
    """Store a new signature version for `user` from image bytes (a canvas PNG or a photo)."""
    png = normalise(_open(data))
    last = db.session.scalar(select(func.max(Signature.version)).where(Signature.user_id == user.id)) or 0
    stored = storage.save_bytes(png, name=f"signature-{user.id}-v{last + 1}.png", content_type="image/png",
                                actor=user)
    sig = Signature(user_id=user.id, version=last + 1, image_id=stored.id, sha256=stored.sha256, source=source)
    db.session.add(sig)
    db.session.flush()
    return sig


def signature_png(sig):
    return storage.read_bytes(sig.image)


# --------------------------------------------------------------------------- use

def face_is_fresh(actor, face_session):
    if actor.is_staff:
        return True
    return bool(face_session is not None and face_session.user_id == actor.id and face_session.face_verified_until
                and face_session.face_verified_until > utcnow())


def apply_signature(actor, face_session, document_kind, document_id, document_hash, confirmed_hash):
    """Apply `actor`'s current signature to one document version.

    `confirmed_hash` is what the person confirmed on the page; when it is not the current version's
    hash nothing is signed. Applying twice to the same version returns the first application.
    """
    if (confirmed_hash or "").strip().lower() != document_hash:
        raise StaleVersion()
    if not face_is_fresh(actor, face_session):
        raise FaceCheckRequired()
    sig = current_signature(actor)
    if sig is None:
        raise NoSignature()
    existing = db.session.scalar(select(SignatureApplication).where(
        SignatureApplication.document_kind == document_kind, SignatureApplication.document_id == document_id,
        SignatureApplication.document_hash == document_hash, SignatureApplication.user_id == actor.id))
    if existing is not None:
        return existing
    row = SignatureApplication(signature_id=sig.id, user_id=actor.id, document_kind=document_kind,
                               document_id=document_id, document_hash=document_hash,
                               face_session_id=face_session.id if face_session is not None and not actor.is_staff else None,
                               face_verified_until=face_session.face_verified_until if face_session is not None else None)
    db.session.add(row)
    db.session.flush()
    return row
