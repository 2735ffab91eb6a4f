"""PDF rendering benchmark: CPU time and size of realistic Chinese court documents.

    python -m bench.bench_pdf

Fonts are preloaded first (as RQ workers do before forking), so the numbers are per
document, not per process start.
"""
import datetime as dt
import json
import random
import re
import statistics
import sys
import time

from app.services import pdf

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
CASE_NO = "(2026)沪0117民初1234号"
COURT = "上海市浦东新区人民法院"
SENTENCES = [
    "原告主张被告于2026年3月收货后至今未支付货款，请求判令被告支付货款人民币100,000元及逾期付款利息。",
    "被告辩称，所供货物存在严重质量问题，已于收货后七日内书面提出异议，不应支付剩余货款。",
    "审判员：请原告说明合同约定的验收标准和验收期限，并提交相应证据。",
    "原告代理人：双方合同第五条约定验收期为到货后十日，被告未在期限内提出异议，视为验收合格。",
    "被告对证据3的真实性无异议，但对其证明目的有异议，认为该检验报告系单方委托作出。",
    "审判员：双方是否同意由本院委托第三方鉴定机构进行质量鉴定？请在本笔录中明确答复。",
    "原告同意调解，但要求被告一次性付清，并承担本案诉讼费用。",
    "被告表示可以分期支付，首期于本月底前支付人民币三万元，余款三个月内付清。",
]


def _transcript(n_entries: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    people = [("张三", "原告"), ("李四", "被告"), ("王建国", "审判员"), ("赵六", "原告代理人")]
    kinds = ["message"] * 6 + ["item", "answer", "evidence", "addendum", "system"]
    entries = []
    for i in range(n_entries):
        name, role = rnd.choice(people)
        kind = rnd.choice(kinds)
        entries.append(dict(at=T0 + dt.timedelta(minutes=3 * i), author=name, role_label=role,
                            kind=kind, text="".join(rnd.choices(SENTENCES, k=rnd.randint(1, 3))),
                            exhibit=f"证据{i % 9 + 1}" if kind == "evidence" else None))
    return dict(court_name=COURT, case_number=CASE_NO, title="证据交换笔录",
                purpose_label="证据交换", opened_at=T0, closed_at=entries[-1]["at"],
                participants=[dict(name=n, role_label=r, verified_label="已人脸核验")
                              for n, r in people],
                entries=entries,
                signatures=[dict(name=n, role_label=r, signed_at=None, image_png=None)
                            for n, r in people],
                verification_code="7KQ2-9XMD", document_hash_label="sha256:" + "5e" * 32,
                draft=False)


def _notice() -> dict:
    return dict(court_name=COURT, case_number=CASE_NO, case_title="张三诉李四买卖合同纠纷",
                filer_name="张三", accepted_at=T0, kind_label="民事一审", judge_name="王建国",
                verification_code="7KQ2-9XMD",
                verification_url="https://court.example.cn/verify/7KQ2-9XMD", seal_png=None)


def _pages(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def _cpu(fn, repeat=3):
    """Median CPU seconds of ``repeat`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return statistics.median(times), out


def _metric(name, value, unit, goal, lower_is_better=True):
    met = None if goal is None else (value <= goal if lower_is_better else value >= goal)
    return dict(name=name, value=round(value, 4), unit=unit, goal=goal,
                lower_is_better=lower_is_better, met=met, baseline=None)


def run() -> list[dict]:
    pdf.preload()

    # calibrate the entry count to a ~100-page transcript
    n = 1000
    for _ in range(3):
        pages = _pages(pdf.render_transcript(_transcript(n)))
        if pages == 100:
            break
        n = max(1, round(n * 100 / pages))
    d100 = _transcript(n)
    cpu100, data100 = _cpu(lambda: pdf.render_transcript(d100))
    pages = _pages(data100)

    pdf._cached_seal.cache_clear()               # first notice pays for the seal image
    t = time.process_time()
    pdf.render_acceptance_notice(_notice())
    notice_cold = time.process_time() - t
    notice_warm, _ = _cpu(lambda: pdf.render_acceptance_notice(_notice()), repeat=5)

    d1000 = _transcript(1000, seed=11)
    cpu1000, data1000 = _cpu(lambda: pdf.render_transcript(d1000))

    # worst case for font subsetting: 3000 distinct CJK characters
    rnd = random.Random(3)
    pool = [chr(c) for c in rnd.sample(range(0x4E00, 0x9FA6), 3000)]
    varied = _transcript(1000, seed=13)
    for e in varied["entries"]:
        e["text"] = "".join(rnd.choices(pool, k=rnd.randint(30, 120)))
    cpu_varied, data_varied = _cpu(lambda: pdf.render_transcript(varied), repeat=1)

    print(f"# 100-page transcript: {pages} pages from {n} entries; 1000 messages: "
          f"{_pages(data1000)} pages; 3000-glyph transcript: {_pages(data_varied)} pages",
          file=sys.stderr)
    return [
        _metric("pdf.transcript_100_pages.cpu", cpu100, "s", 1.0),
        _metric("pdf.transcript_100_pages.size", len(data100) / 1e6, "MB", 1.5),
        _metric("pdf.acceptance_notice.first.cpu", notice_cold, "s", 0.3),
        _metric("pdf.acceptance_notice.cpu", notice_warm, "s", 0.3),
        _metric("pdf.transcript_1000_messages.cpu", cpu1000, "s", 1.0),
        _metric("pdf.transcript_1000_messages.size", len(data1000) / 1e6, "MB", 1.5),
        _metric("pdf.transcript_3000_glyphs.size", len(data_varied) / 1e6, "MB", 1.5),
        _metric("pdf.transcript_3000_glyphs.cpu", cpu_varied, "s", None),
    ]


if __name__ == "__main__":
    for m in run():
        print(json.dumps(m, ensure_ascii=False))
