"""Signature capture and normalisation: ink kept, paper dropped, empty and huge refused, versions kept."""
import io

import pytest
from PIL import Image

from app.services import signatures, storage
from tests.services.documents_helpers import drawn_png, paper_photo


def _img(sig):
    return Image.open(io.BytesIO(storage.read_bytes(sig.image)))


def test_photo_on_paper_becomes_black_ink_on_transparent_cropped(db, make_user):
    sig = signatures.save_signature(make_user(), paper_photo(), source="photo")
    img = _img(sig)
    assert img.mode == "RGBA" and img.width <= signatures.MAX_WIDTH
    alpha = img.getchannel("A")
    assert alpha.getextrema() == (0, 255)          # transparent paper, opaque ink
    assert img.getpixel((img.width // 2, img.height // 2))[:3] == (0, 0, 0)
    assert img.width < 1100 and img.height < 500   # cropped to the ink, not the whole 1600x1200 sheet


def test_exif_rotation_is_applied(db, make_user):
    sig = signatures.save_signature(make_user(), paper_photo(exif_rotate=True), source="photo")
    img = _img(sig)
    assert img.height > img.width  # the wide stroke stands upright after the EXIF turn


def test_empty_canvas_and_blank_paper_are_refused(db, make_user):
    user = make_user()
    with pytest.raises(signatures.EmptySignature):
        signatures.save_signature(user, drawn_png(ink=False))
    with pytest.raises(signatures.EmptySignature):
        signatures.save_signature(user, paper_photo(ink=False), source="photo")


def test_huge_and_unreadable_images_are_refused(db, make_user):
    user = make_user()
    with pytest.raises(signatures.SignatureTooLarge):
        signatures.save_signature(user, b"\x89PNG" + b"0" * (signatures.MAX_BYTES + 1))
    big = io.BytesIO()
    Image.new("1", (9000, 9000), 1).save(big, "PNG")   # small file, 81 MP once decoded
    with pytest.raises(signatures.SignatureTooLarge):
        signatures.save_signature(user, big.getvalue())
    with pytest.raises(signatures.UnusableSignature):
        signatures.save_signature(user, b"not an image at all")


def test_dark_photo_is_not_taken_for_a_signature(db, make_user):
    buf = io.BytesIO()
    img = Image.new("RGB", (800, 600), (20, 20, 20))
    img.paste((240, 240, 240), (0, 0, 200, 600))
    img.save(buf, "JPEG")
    with pytest.raises(signatures.UnusableSignature):
        signatures.save_signature(make_user(), buf.getvalue(), source="photo")


def test_redrawing_adds_a_version(db, make_user):
    user = make_user()
    first = signatures.save_signature(user, drawn_png())
    second = signatures.save_signature(user, drawn_png(size=(400, 200)))
    assert (first.version, second.version) == (1, 2)
    assert signatures.current_signature(user).id == second.id
    assert first.sha256 == storage.file_sha256(first.image)


def test_data_url_must_be_a_png_data_url(db):
    with pytest.raises(signatures.EmptySignature):
        signatures.decode_data_url("")
    with pytest.raises(signatures.UnusableSignature):
        signatures.decode_data_url("data:image/png;base64,@@@")


def test_content_hash_is_canonical():
    import datetime as dt
    t = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    a = signatures.content_hash({"b": 1, "a": [t, b"png"]})
    b = signatures.content_hash({"a": [t.astimezone(dt.timezone(dt.timedelta(hours=8))), b"png"], "b": 1})
    assert a == b and a != signatures.content_hash({"b": 2, "a": [t, b"png"]})
    assert signatures.verification_code(a) == signatures.verification_code(a)
