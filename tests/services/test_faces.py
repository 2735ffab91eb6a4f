"""Face check engine tests on real photos (``$FACES_DIR``, default
``<repo>/../shared/faces``; never copied into the repo)."""
from __future__ import annotations

import io
import itertools
import math
import re
import subprocess
import sys
import time
import zlib
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from app.services import faces as F  # noqa: E402

from tests.conftest import FACES_DIR  # noqa: E402

PEOPLE = {
    "obama": ["obama_1", "obama_2", "obama_3"],
    "biden": ["biden_1", "biden_2"],
    "harington": ["harington_1", "harington_2"],
    "leslie": ["leslie_1", "leslie_2"],
}
SINGLE = [n for names in PEOPLE.values() for n in names]


def person(name: str) -> str:
    return name.rsplit("_", 1)[0]


def read(name: str) -> bytes:
    path = FACES_DIR / f"{name}.jpg"
    if not path.is_file():
        pytest.fail(f"test photo {path} missing: set FACES_DIR to the shared faces folder")
    return path.read_bytes()


def upright(name: str) -> Image.Image:
    return ImageOps.exif_transpose(Image.open(io.BytesIO(read(name)))).convert("RGB")


def jpeg(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=kw.pop("quality", 90), **kw)
    return buf.getvalue()


def png(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **kw)
    return buf.getvalue()


def unusable(data: bytes) -> str:
    with pytest.raises(F.UnusableImage) as info:
        F.analyse(data)
    assert info.value.code in F.REASONS
    assert info.value.message == F.REASONS[info.value.code]
    return info.value.code


@pytest.fixture(scope="module")
def samples() -> dict[str, F.FaceSample]:
    return {name: F.analyse(read(name)) for name in SINGLE}


# --------------------------------------------------------------------------
# Matching on the real photos
# --------------------------------------------------------------------------
def test_every_single_face_photo_is_usable(samples):
    for name, s in samples.items():
        assert s.encoding.shape == (128,) and s.encoding.dtype == np.float64, name
        assert max(s.image_size) <= 640, name
        top, right, bottom, left = s.box
        assert 0 <= left < right <= s.image_size[0] and 0 <= top < bottom <= s.image_size[1]
        assert len(s.landmarks["chin"]) == 17 and len(s.landmarks["left_eye"]) == 6


def test_default_threshold_is_stricter_than_dlib():
    assert F.THRESHOLD + F.BORDERLINE_BAND < 0.6


@pytest.mark.parametrize("a,b", [p for names in PEOPLE.values()
                                 for p in itertools.combinations(names, 2)])
def test_same_person_pairs_match(samples, a, b):
    result = F.compare(samples[a].encoding, samples[b].encoding)
    assert result.outcome in ("match", "borderline"), (a, b, result)
    assert result.distance < 0.5


@pytest.mark.parametrize("a,b", [p for p in itertools.combinations(SINGLE, 2)
                                 if person(p[0]) != person(p[1])])
def test_different_person_pairs_do_not_match(samples, a, b):
    result = F.compare(samples[a].encoding, samples[b].encoding)
    assert result.outcome == "no_match", (a, b, result)
    assert result.distance > F.THRESHOLD + F.BORDERLINE_BAND


def test_group_photo_is_refused():
    assert unusable(read("group_two_faces")) == "two_faces"
    assert F.REASONS["two_faces"].lower().startswith("more than one face")


# --------------------------------------------------------------------------
# Bad photos
# --------------------------------------------------------------------------
def test_landscape_without_face():
    w, h = 800, 600
    y = np.linspace(0.0, 1.0, h)[:, None]
    x = np.linspace(0.0, 1.0, w)[None, :]
    sky = np.stack([90 + 80 * y + 0 * x, 140 + 60 * y + 0 * x, 230 - 40 * y + 0 * x], -1)
    hills = (y > 0.6 + 0.1 * np.sin(x * 9)).astype(float)[..., None]
    img = sky * (1 - hills) + np.array([60, 120, 50]) * hills
    img += np.random.default_rng(1).normal(0, 4, img.shape)
    data = jpeg(Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)))
    assert unusable(data) == "no_face"


def test_face_too_small():
    canvas = Image.new("RGB", (2400, 2400), (120, 140, 110))
    canvas.paste(upright("obama_1").resize((648, 810)), (900, 800))  # face ~50 px at 640
    assert unusable(jpeg(canvas)) == "face_too_small"


def test_too_dark():
    dark = ImageEnhance.Brightness(upright("obama_1")).enhance(0.25)
    assert unusable(jpeg(dark)) == "too_dark"
    assert unusable(jpeg(Image.new("RGB", (640, 480), (8, 8, 8)))) == "too_dark"


def test_blurred():
    blurred = upright("obama_1").filter(ImageFilter.GaussianBlur(8))
    assert unusable(jpeg(blurred)) == "blurred"


def _check_variant(samples, data: bytes, name: str = "obama_1"):
    s = F.analyse(data)
    same_photo = F.compare(samples[name].encoding, s.encoding)
    assert same_photo.outcome == "match" and same_photo.distance < 0.25, same_photo
    for other in PEOPLE[person(name)]:
        if other != name:
            r = F.compare(samples[other].encoding, s.encoding)
            assert r.outcome in ("match", "borderline"), (other, r)
    r = F.compare(samples["biden_1"].encoding, s.encoding)
    assert r.outcome == "no_match", r
    return s


def test_png_with_alpha_works(samples):
    rgba = np.asarray(upright("obama_1").convert("RGBA")).copy()
    rgba[:60, :, 3] = 0          # fully transparent band (becomes white)
    rgba[:, :40, 3] = 128        # half transparent band
    data = png(Image.fromarray(rgba, "RGBA"))
    assert Image.open(io.BytesIO(data)).mode == "RGBA"
    _check_variant(samples, data)
    rgb = F.decode_photo(data)
    assert (rgb[:30, 100:200] > 250).all()  # composited on white (60 px -> 33 px)


def test_cmyk_jpeg_works(samples):
    data = jpeg(upright("obama_1").convert("CMYK"), quality=92)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    _check_variant(samples, data)


def test_greyscale_jpeg_works(samples):
    data = jpeg(upright("obama_1").convert("L"), quality=92)
    assert Image.open(io.BytesIO(data)).mode == "L"
    _check_variant(samples, data)


def test_palette_and_16bit_png_work(samples):
    img = upright("obama_1")
    _check_variant(samples, png(img.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)))
    grey16 = (np.asarray(img.convert("L")).astype(np.uint16) * 257)
    data = png(Image.fromarray(grey16))
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    arr = F.decode_photo(data)
    assert arr.dtype == np.uint8 and 40 < arr.mean() < 200   # scaled, not clipped to white
    _check_variant(samples, data)


def _twelve_mp() -> bytes:
    big = Image.new("RGB", (4000, 3000), (128, 128, 128))
    big.paste(upright("obama_1").resize((2400, 3000), Image.Resampling.LANCZOS), (800, 0))
    return jpeg(big)


def test_12_megapixel_jpeg_works(samples):
    data = _twelve_mp()
    s = _check_variant(samples, data)
    assert s.image_size == (640, 480)


def test_12_megapixel_decode_uses_draft():
    data = _twelve_mp()
    small = jpeg(Image.open(io.BytesIO(data)).resize((640, 480)))
    F.decode_photo(small), F.decode_photo(data)  # warm up

    def cpu(d: bytes) -> float:
        runs = []
        for _ in range(5):
            t = time.process_time()
            F.decode_photo(d)
            runs.append(time.process_time() - t)
        return min(runs)
    # A full 12 MP decode + resize costs ~100+ ms; with draft it is ~25 ms.
    assert cpu(data) < 0.08


def test_exif_rotated_photo_works(samples):
    img = upright("obama_1")                            # 910 x 1137, portrait
    stored = img.transpose(Image.Transpose.ROTATE_90)   # pixels lie on their side
    exif = Image.Exif()
    exif[0x0112] = 6                                    # "rotate 90 CW to display"
    data = jpeg(stored, exif=exif)
    assert Image.open(io.BytesIO(data)).size == (1137, 910)
    s = _check_variant(samples, data)
    assert s.image_size == samples["obama_1"].image_size == (512, 640)
    eye_y = np.mean([p[1] for p in s.landmarks["left_eye"] + s.landmarks["right_eye"]])
    mouth_y = np.mean([p[1] for p in s.landmarks["top_lip"]])
    assert eye_y < mouth_y


def test_truncated_file():
    from PIL import ImageFile
    F.preload()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # face_recognition sets it True
    ImageFile.LOAD_TRUNCATED_IMAGES = True           # ... and so might anyone else
    data = read("obama_1")
    assert unusable(data[: len(data) // 2]) == "truncated"
    assert unusable(png(upright("obama_3"))[:-20000]) == "truncated"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_not_an_image(tmp_path):
    fake = tmp_path / "selfie.jpg"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" * 50)
    assert unusable(fake.read_bytes()) == "not_an_image"
    assert unusable(b"") == "not_an_image"
    assert unusable(b"\xff\xd8\xff\xe0 not really a jpeg") in ("not_an_image", "truncated")


def _bomb_png(side: int = 30000) -> bytes:
    """A valid 1-bit side x side PNG built row by row: ~110 KB on disk."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    comp = zlib.compressobj(9)
    block = row * 1000
    idat = b"".join(comp.compress(block) for _ in range(side // 1000)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused_fast():
    data = _bomb_png()
    assert len(data) < 1_000_000
    assert struct.unpack(">II", data[16:24]) == (30000, 30000)
    t = time.perf_counter()
    assert unusable(data) == "too_large_pixels"
    assert time.perf_counter() - t < 0.5
    # Under Pillow's own bomb limit but over ours (64 MP > 50 MP):
    t = time.perf_counter()
    assert unusable(_bomb_png(8000)) == "too_large_pixels"
    assert time.perf_counter() - t < 0.5


def test_decompression_bomb_memory_is_bounded(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_bomb_png())
    code = (
        "import resource, sys\n"
        "from app.services.faces import decode_photo, UnusableImage\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        f"    decode_photo(open({str(path)!r}, 'rb').read())\n"
        "    print('decoded')\n"
        "except UnusableImage as e:\n"
        "    print(e.code)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    verdict, grown_mb = out.stdout.split()
    assert verdict == "too_large_pixels"
    assert int(grown_mb) < 50   # decoding would need >= 112 MB (1 bit/px), 2.7 GB as RGB


def test_too_many_bytes():
    data = b"\xff\xd8" + b"\x00" * (15 * 1024 * 1024)
    t = time.perf_counter()
    assert unusable(data) == "too_large_bytes"
    assert time.perf_counter() - t < 0.5
    with pytest.raises(F.UnusableImage) as info:
        F.decode_photo(read("obama_1"), max_bytes=1000)
    assert info.value.code == "too_large_bytes"


# --------------------------------------------------------------------------
# compare() and storage
# --------------------------------------------------------------------------
def test_compare_outcomes_and_band():
    a = np.zeros(128)
    def at(d):
        b = np.zeros(128)
        b[0] = d
        return F.compare(a, b, threshold=0.5, band=0.04)
    assert at(0.30).outcome == "match"
    assert at(0.47).outcome == "borderline"
    assert at(0.53).outcome == "borderline"
    assert at(0.55).outcome == "no_match"
    r = at(0.7)
    assert r.distance == pytest.approx(0.7) and r.threshold == 0.5 and r.band == 0.04
    assert r.model == "dlib_face_recognition_resnet_model_v1"
    with pytest.raises(ValueError):
        F.compare(np.zeros(127), a)


def test_encoding_bytes_roundtrip(samples):
    enc = samples["obama_1"].encoding
    raw = F.encoding_to_bytes(enc)
    assert isinstance(raw, bytes) and len(raw) == 1024
    assert raw[:8] == struct.pack("<d", enc[0])
    back = F.encoding_from_bytes(raw)
    assert np.array_equal(back, enc) and back.dtype == np.float64
    assert F.compare(raw, samples["obama_2"].encoding).distance == pytest.approx(
        F.compare(enc, samples["obama_2"].encoding).distance)
    with pytest.raises(ValueError):
        F.encoding_from_bytes(raw[:-8])


def test_reasons_cover_every_code():
    assert set(F.REASONS) == {"no_face", "two_faces", "face_too_small", "too_dark", "blurred",
                              "not_an_image", "truncated", "too_large_pixels",
                              "too_large_bytes"}
    e = F.UnusableImage("blurred")
    assert e.code == "blurred" and e.message == F.REASONS["blurred"] and str(e) == e.message


# --------------------------------------------------------------------------
# Liveness cues
# --------------------------------------------------------------------------
def synthetic_landmarks(yaw_deg: float = 0.0, eye_open: float = 0.45,
                        roll_deg: float = 0.0) -> dict:
    """68 points of a rigid 3-D head (cm; x to the image right, y down, z
    towards the camera), turned by ``yaw_deg`` (positive = the person turns
    to THEIR left, i.e. the nose moves to the image right in an un-mirrored
    camera image), projected orthographically, then rolled in-plane."""
    pts: dict[str, list] = {}
    pts["chin"] = [(-7 * math.cos(math.pi * i / 16), 11 * math.sin(math.pi * i / 16),
                    3 + 5 * math.sin(math.pi * i / 16)) for i in range(17)]
    pts["left_eyebrow"] = [(-5 + i, -2 - 0.3 * (i in (1, 2, 3)), 7) for i in range(5)]
    pts["right_eyebrow"] = [(1 + i, -2 - 0.3 * (i in (1, 2, 3)), 7) for i in range(5)]
    pts["nose_bridge"] = [(0, -0.5 + i * 1.3, 8 + i * 0.7) for i in range(4)]
    pts["nose_tip"] = [(-1.5 + 0.75 * i, 4.5, 8.5) for i in range(5)]
    h = eye_open
    pts["left_eye"] = [(-4.6, 0, 7), (-3.7, -h, 7), (-2.7, -h, 7), (-1.8, 0, 7),
                       (-2.7, h, 7), (-3.7, h, 7)]
    pts["right_eye"] = [(1.8, 0, 7), (2.7, -h, 7), (3.7, -h, 7), (4.6, 0, 7),
                        (3.7, h, 7), (2.7, h, 7)]
    pts["top_lip"] = [(-2.5 + 5 * i / 11, 7.5 - 0.3 * math.sin(math.pi * i / 11), 8)
                      for i in range(12)]
    pts["bottom_lip"] = [(2.5 - 5 * i / 11, 7.6 + 0.5 * math.sin(math.pi * i / 11), 8)
                         for i in range(12)]
    t, r = math.radians(yaw_deg), math.radians(roll_deg)
    out = {}
    for key, ps in pts.items():
        proj = []
        for x, y, z in ps:
            xr = x * math.cos(t) + z * math.sin(t)
            xx = xr * math.cos(r) - y * math.sin(r)
            yy = xr * math.sin(r) + y * math.cos(r)
            proj.append((round(300 + 20 * xx), round(300 + 20 * yy)))
        out[key] = proj
    return out


def test_synthetic_yaw_sign_and_size():
    assert abs(F.head_yaw(synthetic_landmarks(0))) < 0.02
    for deg in (10, 20, 30, 40):
        left = F.head_yaw(synthetic_landmarks(deg))
        right = F.head_yaw(synthetic_landmarks(-deg))
        assert left > 0 > right
        assert left == pytest.approx(-right, abs=0.03)
        assert left == pytest.approx(math.tan(math.radians(deg)), abs=0.06)
    # roll does not change yaw
    assert F.head_yaw(synthetic_landmarks(35, roll_deg=20)) == pytest.approx(
        F.head_yaw(synthetic_landmarks(35)), abs=0.03)


def test_synthetic_challenges():
    frontal = synthetic_landmarks(0)
    assert F.eye_aspect_ratio(frontal) == pytest.approx(0.9 / 2.8, abs=0.03)
    for c in F.CHALLENGES:
        assert not F.check_challenge(c, frontal), c
    assert F.check_challenge("turn_left", synthetic_landmarks(40))
    assert not F.check_challenge("turn_right", synthetic_landmarks(40))
    assert F.check_challenge("turn_right", synthetic_landmarks(-40, roll_deg=-10))
    assert not F.check_challenge("turn_left", synthetic_landmarks(-40))
    assert not F.check_challenge("turn_left", synthetic_landmarks(15))   # a glance is not a turn
    closed = synthetic_landmarks(0, eye_open=0.08)
    assert F.check_challenge("close_eyes", closed)
    assert not F.check_challenge("turn_left", closed)
    with pytest.raises(ValueError):
        F.check_challenge("smile", frontal)


def test_real_photos_pass_no_challenge(samples):
    for name, s in samples.items():
        assert s.ear > F.EAR_CLOSED_THRESHOLD, name
        for c in F.CHALLENGES:
            assert not F.check_challenge(c, s), (name, c, s.quality)
    for name in ("obama_1", "leslie_1"):          # the most frontal ones
        assert abs(samples[name].yaw) < 0.15, name


def test_real_yaw_sign_and_mirror(samples):
    # harington_2: nose points to the image left = he turned to HIS right.
    assert samples["harington_2"].yaw < -0.3
    assert samples["obama_3"].yaw > 0.25
    for name in ("harington_2", "obama_3", "obama_2"):
        mirrored = F.analyse(jpeg(ImageOps.mirror(upright(name))))
        assert mirrored.yaw * samples[name].yaw < 0, name
        assert mirrored.yaw == pytest.approx(-samples[name].yaw, abs=0.1), name


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------
@pytest.fixture()
def cli_app():
    from flask import Flask
    from app.commands.faces import faces_cli
    app = Flask("faces_cli_test")
    app.cli.add_command(faces_cli)
    return app


def run_cli(app, *args):
    return app.test_cli_runner().invoke(args=["faces", "compare", *map(str, args)])


def test_cli_match_and_no_match(cli_app):
    ok = run_cli(cli_app, FACES_DIR / "obama_1.jpg", FACES_DIR / "obama_2.jpg")
    assert ok.exit_code == 0, ok.output
    assert re.fullmatch(r"match distance=0\.\d{4}\n", ok.stdout), ok.stdout
    assert float(ok.stdout.split("=")[1]) < 0.46

    no = run_cli(cli_app, FACES_DIR / "obama_1.jpg", FACES_DIR / "biden_1.jpg")
    assert no.exit_code == 1, no.output
    assert re.fullmatch(r"no-match distance=0\.\d{4}\n", no.stdout), no.stdout


def test_cli_uses_config_threshold_and_borderline(cli_app, samples):
    d = F.compare(samples["obama_1"].encoding, samples["obama_2"].encoding).distance
    cli_app.config.update(FACE_THRESHOLD=d + 0.01, FACE_BORDERLINE_BAND=0.04)
    r = run_cli(cli_app, FACES_DIR / "obama_1.jpg", FACES_DIR / "obama_2.jpg")
    assert r.exit_code == 1
    assert r.stdout == f"no-match distance={d:.4f} borderline\n"
    cli_app.config.update(FACE_THRESHOLD=d - 0.1, FACE_BORDERLINE_BAND=0.02)
    r = run_cli(cli_app, FACES_DIR / "obama_1.jpg", FACES_DIR / "obama_2.jpg")
    assert (r.exit_code, r.stdout) == (1, f"no-match distance={d:.4f}\n")


def test_cli_unusable_is_one_line(cli_app, tmp_path):
    group = FACES_DIR / "group_two_faces.jpg"
    r = run_cli(cli_app, FACES_DIR / "obama_1.jpg", group)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr == f"unusable: {group}: more than one face in the photo\n"

    missing = tmp_path / "nope.jpg"
    r = run_cli(cli_app, missing, FACES_DIR / "obama_1.jpg")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.stderr == f"unusable: {missing}: file not found\n"

    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"hello")
    r = run_cli(cli_app, FACES_DIR / "obama_1.jpg", fake)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("unusable: ")
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_import_survives_missing_pkg_resources():
    """setuptools >= 81 has no pkg_resources; face_recognition_models needs it
    and face_recognition would call quit()."""
    code = (
        "import sys; sys.modules['pkg_resources'] = None\n"
        "from app.services import faces as F\n"
        "F.preload()\n"
        "from PIL import ImageFile\n"
        "print(ImageFile.LOAD_TRUNCATED_IMAGES)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert (out.returncode, out.stdout) == (0, "False\n"), out.stderr
