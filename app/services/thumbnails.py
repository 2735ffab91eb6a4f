"""Previews (缩略图) of images people upload to a filing: a small JPEG derived from the stored
original, kept beside it on disk (`<storage>/derived/`), made by a job on the media queue. The
original bytes and their SHA-256 never change; a preview carries no EXIF (no GPS). Lists of
documents show the preview with its width and height, never the 5 MB original."""
import io
import logging
import os

from app.extensions import db
from app.models import StoredFile
from app.services import storage
from app.services.queue import enqueue_after_commit

log = logging.getLogger(__name__)
SIZE = 240  # the longest side, in pixels (shown at up to 120 CSS px: sharp on 2x screens)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
_dimensions = {}  # storage key -> (w, h); a preview never changes once written


def can_preview(stored):
    return stored is not None and stored.content_type in IMAGE_TYPES


def preview_path(stored):
    key = stored.storage_key
    return storage.root() / "derived" / key[:2] / f"{key}-{SIZE}.jpg"


def request_preview(stored):
    """Ask for the preview of a newly stored image (after the commit; nothing for other files)."""
    if can_preview(stored):
        enqueue_after_commit("jobs.media.make_preview", stored.id, queue="media", job_id=f"preview-{stored.id}")


def make_preview(stored_id):
    """Write the preview of one stored image. Safe to run twice; an undecodable image gets none."""
    from PIL import Image, ImageOps
    stored = db.session.get(StoredFile, stored_id)
    if not can_preview(stored):
        return None
    dest = preview_path(stored)
    if dest.exists():
        return dest
    try:
        with Image.open(storage.path_of(stored)) as im:
            if im.format == "JPEG":
                im.draft("RGB", (SIZE * 2, SIZE * 2))  # decode a 12 MP photo at 1/8: fast and small
            im = ImageOps.exif_transpose(im).convert("RGB")
            im.thumbnail((SIZE, SIZE))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=75)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.warning("no preview for stored file %s: %s", stored_id, exc)
        return None
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(out.getvalue())
    os.replace(tmp, dest)
    return dest


def preview_size(stored):
    """(width, height) of the preview if it exists, else None (not made yet, or not an image)."""
    if not can_preview(stored):
        return None
    key = stored.storage_key
    if key not in _dimensions:
        path = preview_path(stored)
        if not path.exists():
            return None
        from PIL import Image
        with Image.open(path) as im:
            _dimensions[key] = im.size
    return _dimensions[key]


def image_size(stored):
    """(width, height) of any stored image, read from its header only (cached): for <img> tags."""
    key = stored.storage_key
    if key not in _dimensions:
        from PIL import Image
        try:
            with Image.open(storage.path_of(stored)) as im:
                _dimensions[key] = im.size
        except (OSError, ValueError):
            _dimensions[key] = None
    return _dimensions[key]
