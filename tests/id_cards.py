"""Synthetic photos of the front of a resident ID card (居民身份证), for tests and `make bench`.

No real ID card exists here, so Pillow draws a card-sized template (85.6 x 54 mm, the portrait on
the right as on the real card) with the name, sex, birth date, address and ID number, pastes a
portrait from the shared face photos, then makes it look like a phone photo of a card on a table:
perspective, blur, a glare spot, a 12 MP frame, JPEG quality 60.
"""
import functools
import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
CARD_W, CARD_H = 1712, 1080  # 20 px per mm
FRAME = (4000, 3000)  # 12 MP


def _font(size):
    try:
        return ImageFont.truetype(CJK_FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def portrait(face_photo):
    """The face photo cropped to the card's 26 x 32 mm portrait box, head and shoulders."""
    img = ImageOps.exif_transpose(Image.open(face_photo)).convert("RGB")
    from app.services import faces
    sample = faces.analyse(Path(face_photo).read_bytes())
    top, right, bottom, left = sample.box
    scale = max(img.size) / max(sample.image_size)
    cx, cy = (left + right) / 2 * scale, (top + bottom) / 2 * scale
    side = (bottom - top) * scale
    w, h = side * 2.0, side * 2.46  # the card's portrait has room above and below the face
    box = (int(cx - w / 2), int(cy - h * 0.45), int(cx + w / 2), int(cy + h * 0.55))
    crop = Image.new("RGB", (box[2] - box[0], box[3] - box[1]), (235, 240, 245))
    crop.paste(img.crop(box), (0, 0))
    return crop.resize((520, 640), Image.Resampling.LANCZOS)


def card_image(face_photo=None, name="张三", id_number="110101199003078515", sex="男", born=(1990, 3, 7),
               extra_faces=()):
    """The flat card, `CARD_W` x `CARD_H`. `face_photo` None draws a card without a portrait."""
    card = Image.new("RGB", (CARD_W, CARD_H), (226, 236, 242))
    d = ImageDraw.Draw(card)
    for y in range(0, CARD_H, 12):  # the guilloche-like background lines
        d.line([(0, y), (CARD_W, y + 40)], fill=(214, 228, 236), width=2)
    label, text = _font(40), _font(52)
    rows = [("姓名", name), ("性别", f"{sex}     民族  汉"),
            ("出生", f"{born[0]} 年 {born[1]} 月 {born[2]} 日"), ("住址", "北京市东城区景山前街4号")]
    y = 110
    for key, value in rows:
        d.text((110, y), key, font=label, fill=(60, 110, 160))
        d.text((260, y - 6), value, font=text, fill=(20, 20, 20))
        y += 150
    d.text((110, 900), "公民身份号码", font=label, fill=(60, 110, 160))
    d.text((480, 890), id_number, font=_font(64), fill=(20, 20, 20))
    if face_photo is not None:
        card.paste(portrait(face_photo), (1110, 180))
    for i, extra in enumerate(extra_faces):  # e.g. a second portrait: "two faces"
        small = portrait(extra).resize((260, 320))
        card.paste(small, (700 + 20 * i, 420))
    return card


def _perspective_coeffs(src, dst):
    import numpy as np
    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return np.linalg.solve(a, b).tolist()


def phone_photo(card, seed=1, card_width=2300, blur=1.2, glare=True, quality=60, frame=FRAME):
    """`card` as a phone would photograph it on a table: a 12 MP JPEG (bytes)."""
    rnd = random.Random(seed)
    W, H = frame
    bg = Image.new("RGB", frame, (rnd.randint(90, 140), rnd.randint(80, 120), rnd.randint(60, 100)))
    bg = bg.filter(ImageFilter.GaussianBlur(3))
    cw = card_width
    ch = int(cw * CARD_H / CARD_W)
    x0, y0 = (W - cw) // 2 + rnd.randint(-150, 150), (H - ch) // 2 + rnd.randint(-150, 150)
    j = lambda: rnd.randint(-int(cw * 0.04), int(cw * 0.04))  # noqa: E731 - corner jitter: the card is tilted
    dst = [(x0 + j(), y0 + j()), (x0 + cw + j(), y0 + j()), (x0 + cw + j(), y0 + ch + j()), (x0 + j(), y0 + ch + j())]
    src = [(0, 0), (CARD_W, 0), (CARD_W, CARD_H), (0, CARD_H)]
    coeffs = _perspective_coeffs(src, dst)
    warped = card.transform(frame, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    mask = Image.new("L", card.size, 255).transform(frame, Image.Transform.PERSPECTIVE, coeffs,
                                                      Image.Resampling.BILINEAR)
    bg.paste(warped, (0, 0), mask)
    if glare:  # a soft white spot where the ceiling light reflects, away from the portrait
        spot = Image.new("L", frame, 0)
        gx, gy = x0 + cw * 0.3, y0 + ch * 0.35
        ImageDraw.Draw(spot).ellipse([gx - 260, gy - 160, gx + 260, gy + 160], fill=150)
        spot = spot.filter(ImageFilter.GaussianBlur(80))
        bg = Image.composite(Image.new("RGB", frame, (255, 255, 255)), bg, spot)
    if blur:
        bg = bg.filter(ImageFilter.GaussianBlur(blur))
    buf = io.BytesIO()
    bg.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def screen_photo(face_photo, quality=70):
    """A selfie replayed from a screen: the photo on a dark bezel with moiré-like lines (JPEG bytes)."""
    img = ImageOps.exif_transpose(Image.open(face_photo)).convert("RGB")
    img.thumbnail((900, 900))
    frame = Image.new("RGB", (img.width + 120, img.height + 200), (15, 15, 18))
    frame.paste(img, (60, 100))
    d = ImageDraw.Draw(frame)
    for y in range(100, 100 + img.height, 4):
        d.line([(60, y), (60 + img.width, y)], fill=(0, 0, 0), width=1)
    buf = io.BytesIO()
    frame.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@functools.lru_cache(maxsize=32)
def _card_photo(face_photo, seed, fields, extra_faces):
    return phone_photo(card_image(face_photo, extra_faces=extra_faces, **dict(fields)), seed=seed)


def card_photo(face_photo, seed=1, extra_faces=(), **fields):
    """Shorthand: a 12 MP phone photo of a synthetic card with `face_photo`'s portrait (cached:
    each costs about a second of CPU)."""
    return _card_photo(face_photo, seed, tuple(sorted(fields.items())), tuple(extra_faces))
