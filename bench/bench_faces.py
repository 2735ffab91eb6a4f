"""Face check CPU benchmark.

    python -m bench.bench_faces [FACES_DIR]     # prints a JSON list of metrics

Each metric: {name, value, unit, goal, lower_is_better, met, baseline[, note]}.
Besides CPU time, `accuracy()` counts false matches (goal: zero on every set), clerk referrals and
false rejections of both comparisons (selfie to reference, ID card portrait to selfie) per photo
set: Western, East Asian, hard.
CPU time is ``time.process_time()`` (all threads of this process) for one
face check attempt: ``analyse(photo)`` + ``compare()`` with a stored
reference encoding.  p95 is nearest-rank (with 10 runs: the slowest run).
"""
from __future__ import annotations

import io
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from app.services import faces as engine  # noqa: E402

GOAL_ATTEMPT_MS = 250.0
GOAL_RATIO = 1.5
PHOTO = "obama_1"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _cpu_ms(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        out.append((time.process_time() - t) * 1000.0)
    return out


def _photos(faces_dir: Path) -> tuple[bytes, bytes]:
    """(640 px JPEG, 4000x3000 JPEG) of the same face, quality 90."""
    img = ImageOps.exif_transpose(Image.open(faces_dir / f"{PHOTO}.jpg")).convert("RGB")
    small = img.copy()
    small.thumbnail((640, 640), Image.Resampling.LANCZOS)
    big = Image.new("RGB", (4000, 3000), (128, 128, 128))
    big.paste(img.resize((2400, 3000), Image.Resampling.LANCZOS), (800, 0))
    enc = []
    for im in (small, big):
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=90)
        enc.append(buf.getvalue())
    return enc[0], enc[1]


def _metric(name, value, unit, goal, lower_is_better=True, baseline=None, note=None):
    value = round(float(value), 3)
    met = goal is not None and (value <= goal if lower_is_better else value >= goal)
    row = {"name": name, "value": value, "unit": unit, "goal": goal,
           "lower_is_better": lower_is_better, "met": bool(met),
           "baseline": None if baseline is None else round(float(baseline), 3)}
    if note:
        row["note"] = note
    return row


def run(faces_dir, runs: int = 10, naive_runs: int = 3) -> list[dict]:
    """Measure and return the metric dicts.  ``naive_runs`` defaults to 3
    because one naive 12 MP attempt costs ~7 s of CPU."""
    faces_dir = Path(faces_dir)
    engine.preload()
    fr = engine._fr()
    reference = engine.analyse((faces_dir / "obama_2.jpg").read_bytes()).encoding
    photo_640, photo_12mp = _photos(faces_dir)

    def attempt(data: bytes):
        return lambda: engine.compare(reference, engine.analyse(data).encoding)

    def naive():
        image = fr.load_image_file(io.BytesIO(photo_12mp))
        encodings = fr.face_encodings(image)
        return engine.compare(reference, encodings[0])

    for fn in (attempt(photo_640), attempt(photo_12mp)):  # warm caches / lazy init
        fn()
    t640 = _p95(_cpu_ms(attempt(photo_640), runs))
    t12 = _p95(_cpu_ms(attempt(photo_12mp), runs))
    tnaive = _p95(_cpu_ms(naive, naive_runs))
    return [
        _metric("face_check_cpu_p95_640px", t640, "ms", GOAL_ATTEMPT_MS),
        _metric("face_check_cpu_p95_12mp", t12, "ms", GOAL_ATTEMPT_MS, baseline=tnaive),
        _metric("face_check_cpu_ratio_12mp_vs_640px", t12 / t640, "x", GOAL_RATIO,
                baseline=tnaive / t640),
        _metric("naive_face_check_cpu_p95_12mp", tnaive, "ms", None),  # the comparison, not a goal
    ] + accuracy(faces_dir)


# --------------------------------------------------------------------------
# Accuracy: false matches, clerk referrals, false rejections, per photo set
# --------------------------------------------------------------------------
SETS = {
    "western": ("obama_", "biden_", "harington_", "leslie_"),
    "east_asian": ("asian_", "pose_"),
    "hard": ("hard_",),
}


def _person(stem: str) -> str:
    if stem.startswith("asian_"):
        return stem.split("_")[1]
    if stem.startswith("pose_"):
        return stem.split("_")[1]
    if stem.startswith("hard_"):
        return "lisa" if ("lisa" in stem or "zoom" in stem) else stem.split("_")[1]
    return stem.split("_")[0]


def _collect(faces_dir: Path) -> dict:
    """{set: {person: [(name, FaceSample)]}}; photos without one usable face are left out (they
    are refused before any comparison)."""
    out: dict = {k: {} for k in SETS}
    for path in sorted(faces_dir.glob("*.jpg")):
        kind = next((k for k, prefixes in SETS.items() if path.name.startswith(prefixes)), None)
        if kind is None:
            continue
        try:
            sample = engine.analyse(path.read_bytes())
        except engine.UnusableImage:
            continue
        out[kind].setdefault(_person(path.stem), []).append((path.name, sample, path))
    return out


def _tally(pairs, threshold, band):
    """pairs: [(distance, same_person)] -> (false_matches, referrals, false_rejections, n_same, n_diff)."""
    fm = ref = fr = 0
    for d, same in pairs:
        # the rule of faces.compare, on a distance already measured
        outcome = "borderline" if abs(d - threshold) <= band else ("match" if d < threshold else "no_match")
        if outcome == "borderline":
            ref += 1
        elif outcome == "match" and not same:
            fm += 1
        elif outcome == "no_match" and same:
            fr += 1
    return fm, ref, fr, sum(1 for _d, s in pairs if s), sum(1 for _d, s in pairs if not s)


def accuracy(faces_dir) -> list[dict]:
    """Both comparisons the app makes, with the thresholds of app/config.py:

    * selfie to reference (FACE_THRESHOLD ± FACE_BORDERLINE_BAND): every pair of photos whose
      first person is in the set, against every other usable photo of the collection;
    * ID card portrait to selfie (FACE_CARD_THRESHOLD ± FACE_CARD_BORDERLINE_BAND): a synthetic
      12 MP card photo (tests/id_cards.py) made from each person's first photo, against every
      other photo of that person and every photo of everyone else.

    False matches must be zero on every set (goal 0); referrals and false rejections are reported.
    """
    from app.config import Config
    from tests.id_cards import card_photo

    faces_dir = Path(faces_dir)
    data = _collect(faces_dir)
    everyone = [(kind, person, name, sample) for kind, people in data.items()
                for person, photos in people.items() for name, sample, _p in photos]
    rows = []
    ranges = {}
    for kind, people in data.items():
        ref_pairs, card_pairs = [], []
        for person, photos in people.items():
            for name, sample, _p in photos:
                for _k, other_person, other_name, other in everyone:
                    if other_name <= name and other_person == person or other_name == name:
                        continue  # each same-person pair once
                    d = float(np.linalg.norm(sample.encoding - other.encoding))
                    ref_pairs.append((d, other_person == person))
            first_name, _s, first_path = photos[0]
            try:
                portrait = engine.analyse_card(card_photo(first_path, name="张三", id_number="110101199003078515"))
            except engine.UnusableImage:
                continue
            for _k, other_person, other_name, other in everyone:
                if other_name == first_name:
                    continue
                d = float(np.linalg.norm(portrait.encoding - other.encoding))
                card_pairs.append((d, other_person == person))
        for label, pairs, threshold, band in (
                ("selfie_to_reference", ref_pairs, Config.FACE_THRESHOLD, Config.FACE_BORDERLINE_BAND),
                ("card_to_selfie", card_pairs, Config.FACE_CARD_THRESHOLD, Config.FACE_CARD_BORDERLINE_BAND)):
            fm, ref, fr, n_same, n_diff = _tally(pairs, threshold, band)
            same = [d for d, s in pairs if s]
            diff = [d for d, s in pairs if not s]
            note = (f"{n_same} same-person pairs {min(same, default=0):.2f}-{max(same, default=0):.2f}, "
                    f"{n_diff} different-person pairs from {min(diff, default=0):.2f}; "
                    f"threshold {threshold} ± {band}")
            ranges[f"{label}_{kind}"] = note
            rows.append(_metric(f"{label}_false_matches_{kind}", fm, "pairs", 0, note=note))
            rows.append(_metric(f"{label}_clerk_referrals_{kind}", ref, "pairs", None,
                                note=f"of {n_same + n_diff} pairs"))
            rows.append(_metric(f"{label}_false_rejections_{kind}", fr, "pairs", None,
                                note=f"of {n_same} same-person pairs"))
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    faces_dir = argv[0] if argv else os.environ.get("FACES_DIR", str(REPO.parent / "shared" / "faces"))
    print(json.dumps(run(faces_dir), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
