"""Tests for app.services.pdf: text extraction (pdftotext), determinism, escaping, fonts."""
import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

try:
    from app.services import pdf
except ImportError:  # running plain `pytest` without the repo root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from app.services import pdf

CI = os.environ.get("CI", "").lower() == "true"
CASE_NO = "(2026)沪0117民初1234号"
COURT = "上海市浦东新区人民法院"
UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)          # 10:00 in Shanghai
NASTY = "<b>&</script>"


def _need(tool):
    if shutil.which(tool) is None:
        if CI:
            pytest.fail(f"{tool} (poppler-utils) is required when CI=true")
        pytest.skip(f"{tool} not installed (apt-get install poppler-utils)")


@pytest.fixture(autouse=True, scope="module")
def _font():
    try:
        pdf.preload()
    except pdf.FontMissing as exc:
        if CI:
            raise
        pytest.skip(str(exc))


def pdftotext(data: bytes, tmp_path, *args) -> str:
    _need("pdftotext")
    f = tmp_path / "doc.pdf"
    f.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(f), "-"],
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Extracted text with line breaks removed (wrapped lines re-joined)."""
    return text.replace("\n", "")


def signature_png(color=(20, 20, 120, 255)) -> bytes:
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    from PIL import ImageDraw
    ImageDraw.Draw(img).line([(10, 90), (80, 20), (150, 100), (290, 30)], fill=color, width=6)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def notice_data(**kw):
    d = dict(court_name=COURT, case_number=CASE_NO, case_title="张三诉李四买卖合同纠纷",
             filer_name="张三", accepted_at=T0, kind_label="民事一审", judge_name="王建国",
             verification_code="7KQ2-9XMD",
             verification_url="https://court.example.cn/verify/7KQ2-9XMD", seal_png=None)
    d.update(kw)
    return d


MESSAGES = ["原告：被告于2026年3月收货后至今未付款，请求支付货款人民币100,000元。",
            "被告：货物存在质量问题，我方已于4月书面提出异议。",
            "审判员：请双方在三日内提交证据原件的扫描件。"]


def transcript_data(n=None, **kw):
    kinds = ["message", "item", "answer", "evidence", "system", "addendum"]
    if n is None:
        entries = [
            dict(at=T0 + dt.timedelta(minutes=5), author="张三", role_label="原告",
                 kind="message", text=MESSAGES[0]),
            dict(at=T0 + dt.timedelta(minutes=1), author="系统", role_label="",
                 kind="system", text="庭审已开始，各方可在72小时内发言。"),
            dict(at=T0 + dt.timedelta(hours=3), author="李四", role_label="被告",
                 kind="answer", text=MESSAGES[1]),
            dict(at=T0 + dt.timedelta(hours=4), author="李四", role_label="被告",
                 kind="evidence", text="质量检验报告", exhibit="证据3"),
            dict(at=T0 + dt.timedelta(days=1), author="王建国", role_label="审判员",
                 kind="item", text=MESSAGES[2]),
        ]
    else:
        entries = [dict(at=T0 + dt.timedelta(minutes=i), author=("张三", "李四")[i % 2],
                        role_label=("原告", "被告")[i % 2], kind=kinds[i % 6],
                        text=f"第{i}条发言。" + MESSAGES[i % 3] * (1 + i % 3))
                   for i in range(n)]
    d = dict(court_name=COURT, case_number=CASE_NO, title="证据交换笔录",
             purpose_label="证据交换", opened_at=T0, closed_at=T0 + dt.timedelta(days=3),
             participants=[dict(name="张三", role_label="原告", verified_label="已人脸核验"),
                           dict(name="李四", role_label="被告", verified_label="已短信核验")],
             entries=entries,
             signatures=[dict(name="张三", role_label="原告", signed_at=T0 + dt.timedelta(days=3),
                              image_png=signature_png()),
                         dict(name="李四", role_label="被告", signed_at=None, image_png=None)],
             verification_code="7KQ2-9XMD",
             document_hash_label="sha256:" + "3f9a0c" * 10 + "abcd", draft=False)
    d.update(kw)
    return d


def service_data(**kw):
    d = dict(court_name=COURT, case_number=CASE_NO, document_title="受理案件通知书",
             recipient_name="李四",
             channels=[dict(channel="平台站内信", address="李四的诉讼账户", sent_at=T0,
                            delivered_at=T0, opened_at=T0 + dt.timedelta(hours=2),
                            acknowledged_at=T0 + dt.timedelta(hours=2, minutes=1),
                            effective_at=T0),
                       dict(channel="短信", address="138****8000", sent_at=T0,
                            delivered_at=T0 + dt.timedelta(seconds=7), opened_at=None,
                            acknowledged_at=None, effective_at=None)],
             effective_at=T0, verification_code="SVC-0042",
             verification_url="https://court.example.cn/v/SVC-0042", seal_png=None)
    d.update(kw)
    return d


def mediation_data(**kw):
    d = dict(court_name=COURT, case_number=CASE_NO, case_title="张三诉李四买卖合同纠纷",
             parties=[dict(role_label="原告", name="张三", details="住上海市浦东新区"),
                      dict(role_label="被告", name="李四")],
             terms=["被告李四于2026年12月31日前向原告张三支付货款人民币80,000元；",
                    "原告张三放弃其余诉讼请求；",
                    "案件受理费减半收取计1,150元，由被告李四负担。"],
             signatures=[dict(name="张三", role_label="原告", signed_at=T0, image_png=signature_png()),
                         dict(name="李四", role_label="被告", signed_at=T0, image_png=None)],
             verification_code="MED-7781",
             verification_url="https://court.example.cn/v/MED-7781", seal_png=None)
    d.update(kw)
    return d


RENDERERS = {
    "notice": (pdf.render_acceptance_notice, notice_data),
    "transcript": (pdf.render_transcript, transcript_data),
    "service": (pdf.render_service_certificate, service_data),
    "mediation": (pdf.render_mediation_agreement, mediation_data),
}


# --------------------------------------------------------------------------- content

def test_acceptance_notice_text(tmp_path):
    text = pdftotext(pdf.render_acceptance_notice(notice_data()), tmp_path)
    for s in (COURT, "受理通知书", CASE_NO, "张三：", "张三诉李四买卖合同纠纷", "民事一审",
              "王建国", "2026年11月23日", "本院决定立案审理", "验证码 7KQ2-9XMD",
              "https://court.example.cn/verify/7KQ2-9XMD", "第 1 页 / 共 1 页"):
        assert s in flat(text), s
    assert "受理案件通知书" not in flat(text)  # #18: one title per document


def test_acceptance_notice_custom_body(tmp_path):
    d = notice_data(body=["自定义正文第一段。", "自定义正文第二段。"])
    text = flat(pdftotext(pdf.render_acceptance_notice(d), tmp_path))
    assert "自定义正文第一段。" in text and "自定义正文第二段。" in text
    assert "本院决定立案审理" not in text


def test_transcript_text(tmp_path):
    text = pdftotext(pdf.render_transcript(transcript_data()), tmp_path)
    f = flat(text)
    for s in (COURT, "证据交换笔录", CASE_NO, "证据交换", "已人脸核验", "已短信核验",
              *MESSAGES, "质量检验报告", "证据3", "（未签名）", "张三（原告）",
              "验证码 7KQ2-9XMD · 文档摘要 3f9a0c3f9a0c3f9a · 第 1 页 / 共 1 页"):
        assert s in f, s
    # Shanghai time, entries in time order even though input was not sorted
    assert "[2026-11-23 10:01:00]" in f
    assert f.index("庭审已开始") < f.index(MESSAGES[0]) < f.index(MESSAGES[1])
    assert "草稿" not in f


def test_transcript_draft_watermark(tmp_path):
    # rotated watermark text: pdftotext -raw keeps content-stream order
    text = pdftotext(pdf.render_transcript(transcript_data(draft=True)), tmp_path, "-raw")
    assert "草稿" in flat(text)


def test_transcript_long_text_wraps(tmp_path):
    long_cjk = "".join(MESSAGES) * 8
    long_word = "https://example.com/" + "x" * 180
    d = transcript_data(entries=[
        dict(at=T0, author="张三", role_label="原告", kind="message", text=long_cjk),
        dict(at=T0, author="张三", role_label="原告", kind="message",
             text=f"见 {long_word} 第二行\n第三段"),
    ])
    text = pdftotext(pdf.render_transcript(d), tmp_path)
    assert long_cjk in flat(text)
    assert long_word in flat(text)
    assert "第三段" in text
    lines = text.splitlines()
    # actually wrapped, not drawn off the page
    assert not any(long_word in line for line in lines)
    assert not any(MESSAGES[0] + MESSAGES[1] in line for line in lines)
    assert max(len(line) for line in lines if "原告" in line or "被告" in line) < 60


def test_service_certificate_text(tmp_path):
    text = flat(pdftotext(pdf.render_service_certificate(service_data()), tmp_path))
    for s in (COURT, "送达回证", CASE_NO, "受理案件通知书", "李四", "平台站内信", "短信",
              "138****8000", "10:00:07", "2026年11月23日", "验证码 SVC-0042"):
        assert s in text, s


def test_mediation_agreement_text(tmp_path):
    text = flat(pdftotext(pdf.render_mediation_agreement(mediation_data()), tmp_path))
    for s in (COURT, "调解协议", CASE_NO, "原告：张三", "被告：李四",
              "一、被告李四于2026年12月31日前向原告张三支付货款人民币80,000元；",
              "三、案件受理费减半收取计1,150元", "2026年11月23日", "验证码 MED-7781"):
        assert s in text, s


# --------------------------------------------------------------------------- properties

@pytest.mark.parametrize("kind", RENDERERS)
def test_deterministic(kind):
    render, data = RENDERERS[kind]
    a, b = render(data()), render(data())
    assert a.startswith(b"%PDF-") and a == b
    # creation date comes from the data (Shanghai time), not from the clock
    assert re.search(rb"/CreationDate \(D:202611(23|26)\d{6}\+08'00'\)", a)


@pytest.mark.parametrize("kind", RENDERERS)
def test_user_text_is_literal(kind, tmp_path):
    render, data = RENDERERS[kind]
    d = {"notice": lambda: data(filer_name=NASTY, body=[f"正文{NASTY}结束"]),
         "transcript": lambda: data(entries=[dict(at=T0, author=NASTY, role_label="原告",
                                                  kind="message", text=f"我说{NASTY}完毕")],
                                    participants=[dict(name=NASTY, role_label="原告",
                                                       verified_label="是")]),
         "service": lambda: data(recipient_name=NASTY),
         "mediation": lambda: data(terms=[f"条款{NASTY}"]),
         }[kind]()
    text = pdftotext(render(d), tmp_path)
    assert NASTY in text


def test_font_missing_for_bad_configured_path(monkeypatch):
    monkeypatch.delenv("PDF_CJK_FONT", raising=False)
    with pytest.raises(pdf.FontMissing, match="fonts-wqy-microhei"):
        pdf.find_cjk_font("/nonexistent/fonts/nothere.ttc")


def test_font_missing_when_nothing_installed(monkeypatch):
    monkeypatch.delenv("PDF_CJK_FONT", raising=False)
    monkeypatch.setattr(pdf, "KNOWN_FONT_PATHS", ("/nonexistent/a.ttc",))
    with pytest.raises(pdf.FontMissing, match="fonts-wqy-microhei"):
        pdf.find_cjk_font()


def test_register_fonts_idempotent():
    path = pdf.find_cjk_font()
    assert pdf.register_fonts(path) == pdf.register_fonts(path)


def test_large_transcript_pages_and_size(tmp_path):
    data = pdf.render_transcript(transcript_data(n=1000))
    assert len(data) < 1.5 * 1024 * 1024
    pages = [p for p in pdftotext(data, tmp_path).split("\f") if p.strip()]
    n = len(pages)
    assert n > 20
    for i, page in enumerate(pages, 1):
        assert f"第 {i} 页 / 共 {n} 页" in page
    assert "第999条发言" in flat("".join(pages))
    if shutil.which("pdffonts"):
        out = subprocess.run(["pdffonts", str(tmp_path / "doc.pdf")], capture_output=True,
                             text=True, check=True).stdout
        rows = [r.split() for r in out.splitlines()[2:] if "WenQuanYi" in r or "CJK" in r]
        assert rows, out
        for r in rows:
            assert re.match(r"[A-Z]{6}\+", r[0]), out          # subset prefix
            assert r[-5:-2] == ["yes", "yes", "yes"], out     # emb sub uni
    elif CI:
        pytest.fail("pdffonts (poppler-utils) is required when CI=true")


def test_signature_image_embedded():
    data = pdf.render_transcript(transcript_data())
    assert data.count(b"/Subtype /Image") >= 1


def test_seal_png():
    png = pdf.make_seal_png(COURT, size=200)
    assert png == pdf.make_seal_png(COURT, size=200)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.mode == "RGBA" and img.size == (200, 200)
    assert img.getpixel((0, 0))[3] == 0                      # transparent corner
    r, g, b, a = img.getpixel((100, 100))                     # star centre is red
    assert a > 200 and r > 180 and g < 80 and b < 80
