"""Face check CPU benchmark.

    python -m bench.bench_faces [FACES_DIR]     # prints a JSON list of metrics

Each metric: {name, value, unit, goal, lower_is_better, met, baseline}.
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


def _metric(name, value, unit, goal, lower_is_better=True, baseline=None):
    value = round(float(value), 3)
    met = goal is not None and (value <= goal if lower_is_better else value >= goal)
    return {"name": name, "value": value, "unit": unit, "goal": goal,
            "lower_is_better": lower_is_better, "met": bool(met),
            "baseline": None if baseline is None else round(float(baseline), 3)}


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
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    faces_dir = argv[0] if argv else os.environ.get("FACES_DIR", str(REPO.parent / "shared" / "faces"))
    print(json.dumps(run(faces_dir), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
