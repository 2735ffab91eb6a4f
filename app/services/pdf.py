"""PDF rendering of MicroCourt's court documents (ReportLab + Pillow).

This module owns:

* CJK font discovery and registration (``find_cjk_font``, ``register_fonts``,
  ``preload``).  ReportLab subsets TrueType fonts automatically when it embeds
  them, so output stays small even with a 5 MB CJK font.
* The electronic court seal image (``make_seal_png``).
* Four renderers, each a pure function from plain Python data to PDF bytes:
  ``render_acceptance_notice`` (受理通知书), ``render_transcript`` (笔录),
  ``render_service_certificate`` (送达回证) and ``render_mediation_agreement``
  (调解协议).  They share one page template, footer ("验证码 … 第 X 页 / 共 N
  页"), style sheet and sign-off/seal block.

No Flask request, database or clock access happens here: the same input always
yields byte-identical PDFs (``invariant=1``; the PDF creation date comes from the
input data).  User-supplied text is always escaped and never interpreted as
ReportLab paragraph markup.  Naive datetimes are taken to be UTC; everything is
displayed in court time (`app.services.court_time`).
"""
from __future__ import annotations

import datetime as _dt
import functools
import io
import math
import os
import re
import threading
from bisect import bisect_right
from itertools import accumulate
from xml.sax.saxutils import escape as _xml_escape

from PIL import Image as PILImage, ImageDraw, ImageFont
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, Image, KeepTogether,
                                PageTemplate, Paragraph, Spacer, Table, TableStyle)

from app.services import court_time

__all__ = [
    "FontMissing", "find_cjk_font", "register_fonts", "preload", "make_seal_png",
    "render_acceptance_notice", "render_transcript", "render_service_certificate",
    "render_mediation_agreement",
]

# Pure-Python ASCII85 of embedded images costs ~0.1 s per seal and makes files bigger.
rl_config.useA85 = 0

# --------------------------------------------------------------------------- fonts

FONT_PACKAGE = "fonts-wqy-microhei"
KNOWN_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)


class FontMissing(RuntimeError):
    """No usable CJK font: PDFs would show empty boxes (tofu) instead of Chinese."""


def find_cjk_font(configured_path: str | None = None) -> str:
    """Path of the CJK font to use.

    ``configured_path`` (app config ``PDF_CJK_FONT``, else env ``PDF_CJK_FONT``)
    wins and must exist; otherwise the first existing well-known location.
    """
    configured_path = configured_path or os.environ.get("PDF_CJK_FONT") or None
    if configured_path:
        if os.path.isfile(configured_path):
            return configured_path
        raise FontMissing(
            f"PDF_CJK_FONT={configured_path!r} does not exist. Point it at a CJK TrueType "
            f"font or install the Debian package {FONT_PACKAGE} "
            f"(apt-get install {FONT_PACKAGE}).")
    for path in KNOWN_FONT_PATHS:
        if os.path.isfile(path):
            return path
    raise FontMissing(
        f"No CJK font found (looked in {', '.join(KNOWN_FONT_PATHS)}). Install the Debian "
        f"package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) or set PDF_CJK_FONT.")


_font_lock = threading.Lock()
_registered: dict[str, str] = {}   # font path -> ReportLab font name
_active: dict[str, str] = {}       # {"path": ..., "name": ...} used by the renderers


def register_fonts(path: str) -> str:
    """Register the font at ``path`` with ReportLab once per process; returns its name."""
    with _font_lock:
        name = _registered.get(path)
        if name is None:
            name = "MicroCourtCJK-" + re.sub(r"[^A-Za-z0-9]+", "", os.path.basename(path))
            kw = {"subfontIndex": 0} if path.lower().endswith((".ttc", ".otc")) else {}
            try:
                pdfmetrics.registerFont(TTFont(name, path, **kw))
            except Exception as exc:  # unreadable / CFF-only OpenType etc.
                raise FontMissing(f"Cannot load CJK font {path!r}: {exc}. "
                                  f"Install the Debian package {FONT_PACKAGE}.") from exc
            # <b>/<i> in our own markup map to the same face (CJK fonts rarely ship them)
            pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name,
                                          boldItalic=name)
            _registered[path] = name
        _active.setdefault("path", path)
        _active.setdefault("name", name)
        return name


def preload(configured_path: str | None = None) -> str:
    """Find and register the CJK font now (app startup / RQ worker before fork).

    Raises ``FontMissing`` with an actionable message instead of rendering tofu later.
    A later call with a different configured path switches the active font.  Called
    without a path inside a Flask app context, it uses the app's ``PDF_CJK_FONT``.
    """
    if configured_path is None:
        configured_path = _app_config_font()
    path = find_cjk_font(configured_path)
    name = register_fonts(path)
    _active.update(path=path, name=name)
    _pil_font(path, 32)  # warm Pillow's parser too
    return path


def _app_config_font() -> str | None:
    try:
        from flask import current_app, has_app_context
    except ImportError:
        return None
    return current_app.config.get("PDF_CJK_FONT") if has_app_context() else None


def _font() -> tuple[str, str]:
    if "name" not in _active:
        preload()
    return _active["name"], _active["path"]


@functools.lru_cache(maxsize=64)
def _pil_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=0)


# --------------------------------------------------------------------------- seal

SEAL_RED = (220, 24, 30)


def _star(cx: float, cy: float, r_out: float, r_in: float) -> list[tuple[float, float]]:
    pts = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = math.radians(-90 + 36 * i)
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def make_seal_png(court_name: str, size: int = 240, subtitle: str = "电子印章") -> bytes:
    """Round red court seal (circle, star, name on the upper arc) as a transparent PNG."""
    ss = 3                                   # supersample, then downscale: smooth edges
    S = size * ss
    img = PILImage.new("RGBA", (S, S), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    red = SEAL_RED + (255,)
    c = S / 2
    ring = max(2, round(S * 0.035))
    r = S / 2 - ring / 2 - S * 0.01
    draw.ellipse((c - r - ring / 2, c - r - ring / 2, c + r + ring / 2, c + r + ring / 2),
                 outline=red, width=ring)
    draw.polygon(_star(c, c, S * 0.17, S * 0.17 * 0.382), fill=red)

    _, path = _font()
    name = "".join(ch for ch in (court_name or "").strip() if not ch.isspace())
    n = len(name)
    if n:
        text_r = r - ring - S * 0.085                 # radius of the characters' centres
        span = min(250.0, max(60.0, 24.0 * (n - 1)))  # degrees covered by the name
        step = span / (n - 1) if n > 1 else 0.0
        arc_per_char = math.radians(step) * text_r if n > 1 else S
        fs = int(min(S * 0.14, arc_per_char * 0.92))
        font = _pil_font(path, fs)
        tile = int(fs * 1.6)
        for i, ch in enumerate(name):
            theta = -span / 2 + i * step           # clockwise from 12 o'clock
            glyph = PILImage.new("RGBA", (tile, tile), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((tile / 2, tile / 2), ch, font=font, fill=red,
                                       anchor="mm")
            glyph = glyph.rotate(-theta, resample=PILImage.BICUBIC)
            x = c + text_r * math.sin(math.radians(theta)) - tile / 2
            y = c - text_r * math.cos(math.radians(theta)) - tile / 2
            img.alpha_composite(glyph, (round(x), round(y)))
    if subtitle:
        sfs = int(S * 0.085)
        draw.text((c, c + S * 0.27), subtitle, font=_pil_font(path, sfs), fill=red,
                  anchor="mm")
    img = img.resize((size, size), PILImage.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@functools.lru_cache(maxsize=16)
def _cached_seal(court_name: str) -> bytes:
    return make_seal_png(court_name, 300)


# --------------------------------------------------------------------------- helpers

_MARGIN_X, _MARGIN_TOP, _MARGIN_BOTTOM = 25 * mm, 22 * mm, 22 * mm
_FRAME_W = A4[0] - 2 * _MARGIN_X

_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _local(t: _dt.datetime) -> _dt.datetime:
    return court_time.local(t)


def _date_cn(t) -> str:
    return court_time.format_date_cn(t)


def _dt_str(t) -> str:
    return court_time.format_moment(t, "%Y-%m-%d %H:%M:%S") if t else "—"


def _esc(text) -> str:
    """User text -> safe Paragraph markup (literal &, <, >; newlines kept)."""
    s = _CTRL.sub("", "" if text is None else str(text))
    s = _xml_escape(s.replace("\r\n", "\n").replace("\r", "\n"))
    return s.replace("\n", "<br/>")


_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..99 in Chinese numerals (for 一、二、… list labels)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (_CN_DIGITS[tens] if tens > 1 else "") + "十" + (_CN_DIGITS[ones] if ones else "")


@functools.lru_cache(maxsize=8)
def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK")

    def st(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "base": base,
        "court": st("court", fontSize=18, leading=26, alignment=TA_CENTER),
        "title": st("title", fontSize=22, leading=32, alignment=TA_CENTER, spaceAfter=4),
        "caseno": st("caseno", alignment=TA_RIGHT, spaceAfter=10),
        "h2": st("h2", fontSize=13, leading=20, spaceBefore=10, spaceAfter=4),
        "body": st("body", firstLineIndent=22, spaceAfter=4),
        "cell": st("cell", fontSize=9.5, leading=13),
        "small": st("small", fontSize=8, leading=10.5),
    }


def _grid(data, widths, header=True) -> Table:
    t = Table(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    cmds = [("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    t.setStyle(TableStyle(cmds))
    return t


def _kv_table(rows, S, key_width=30 * mm) -> Table:
    """Two-column label/value table; values are user text (escaped)."""
    data = [[Paragraph(_esc(k), S["cell"]), Paragraph(_esc(v), S["cell"])] for k, v in rows]
    return _grid(data, [key_width, _FRAME_W - key_width], header=False)


_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’,.;:?!)]}%…")


def _latin(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


class _TextBlock(Flowable):
    """Plain text (never markup) in coloured runs, CJK-wrapped, splittable across pages.

    Transcript entries use this instead of ``Paragraph(wordWrap='CJK')``: ReportLab's
    CJK wrapping costs ~3 ms per entry, too slow for 100-page transcripts.  Breaks may
    fall between any two CJK characters; Latin words stay whole unless longer than a
    line; closing punctuation hangs rather than starting a line.
    """

    def __init__(self, runs, font: str, size: float = 10, leading: float = 15,
                 space_after: float = 3, lines=None):
        super().__init__()
        self.runs = [(color, _CTRL.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n"))
                     for color, text in runs]
        self.font, self.size, self.leading, self.space_after = font, size, leading, space_after
        self._lines, self._width = lines, None

    def _break(self, max_w: float) -> list[list[tuple]]:
        text = "".join(t for _, t in self.runs)
        face = pdfmetrics.getFont(self.font).face
        g, dw = face.charWidths.get, face.defaultWidth
        cum = list(accumulate([g(o, dw) for o in map(ord, text)], initial=0))
        limit = max_w * 1000 / self.size                 # in glyph units
        spans, start, n = [], 0, len(text)
        while start <= n:
            stop = text.find("\n", start)
            stop = n if stop < 0 else stop              # end of this hard line
            while True:
                end = bisect_right(cum, cum[start] + limit, start, stop + 1) - 1
                end = max(end, start + 1)                # at least one character
                if end >= stop:
                    spans.append((start, stop))
                    break
                if text[end] in _NO_LINE_START:          # hang closing punctuation
                    end += 1
                elif _latin(text[end]) and _latin(text[end - 1]):
                    j = end                              # keep a Latin word whole
                    while j > start and _latin(text[j - 1]):
                        j -= 1
                    end = j if j > start else end
                spans.append((start, end))
                start = end
                while start < stop and text[start] == " ":
                    start += 1
                if start >= stop:
                    break
            start = stop + 1
        bounds = list(accumulate(len(t) for _, t in self.runs))
        lines = []
        for a, b in spans:                               # cut the runs at line ends
            segs, rs = [], 0
            for (color, _), re_ in zip(self.runs, bounds):
                lo, hi = max(a, rs), min(b, re_)
                if lo < hi:
                    segs.append((color, text[lo:hi]))
                rs = re_
            lines.append(segs)
        return lines

    def wrap(self, aw, ah):
        if self._lines is None or (self._width is not None and self._width != aw):
            self._lines, self._width = self._break(aw), aw
        self.width = aw
        self.height = len(self._lines) * self.leading + self.space_after
        return aw, self.height

    def split(self, aw, ah):
        self.wrap(aw, ah)
        fit = int(ah // self.leading)
        if fit < 1:
            return []
        if fit >= len(self._lines):   # only the trailing space doesn't fit: drop it
            return [_TextBlock([], self.font, self.size, self.leading, 0, self._lines)]
        return [_TextBlock([], self.font, self.size, self.leading, 0, self._lines[:fit]),
                _TextBlock([], self.font, self.size, self.leading, self.space_after,
                           self._lines[fit:])]

    def draw(self):
        t = self.canv.beginText(0, self.height - self.space_after - self.size)
        t.setFont(self.font, self.size, self.leading)
        current = None
        for line in self._lines:
            for i, (color, text) in enumerate(line, 1 - len(line)):
                if color is not current:
                    t.setFillColor(color)
                    current = color
                if i:                       # not the last segment: stay on this line
                    t.textOut(text)
                else:
                    t.textLine(text)
            if not line:
                t.textLine("")
        self.canv.drawText(t)


# --------------------------------------------------------------------------- page template


class _Stamp:
    """Stands in for reportlab.lib.utils.TimeStamp: PDF CreationDate from the data."""

    def __init__(self, t: _dt.datetime):
        t = _local(t)
        self.YMDhms = (t.year, t.month, t.day, t.hour, t.minute, t.second)
        self.dhh, self.dmm = 8, 0
        self.t = t.timestamp()


class _NumberedCanvas(Canvas):
    """Defers page output until the end so every footer can show the page total."""

    def __init__(self, *args, footer: str = "", created=None, **kw):
        super().__init__(*args, **kw)
        self._footer = footer
        self._pages: list[dict] = []
        if created is not None:
            self._doc._timeStamp = _Stamp(created)

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            Canvas.showPage(self)
        Canvas.save(self)

    def _draw_footer(self, total: int):
        font, _ = _font()
        text = f"{self._footer} · 第 {self._pageNumber} 页 / 共 {total} 页"
        size = 8.0
        while size > 5 and pdfmetrics.stringWidth(text, font, size) > _FRAME_W:
            size -= 0.5
        self.saveState()
        self.setStrokeColor(colors.HexColor("#999999"))
        self.setLineWidth(0.4)
        self.line(_MARGIN_X, 15 * mm, A4[0] - _MARGIN_X, 15 * mm)
        self.setFont(font, size)
        self.setFillColor(colors.HexColor("#444444"))
        self.drawCentredString(A4[0] / 2, 10.5 * mm, text)
        self.restoreState()


def _draft_watermark(canv, doc):
    font, _ = _font()
    canv.saveState()
    canv.setFillColor(colors.Color(0.6, 0.6, 0.6, alpha=0.25))
    canv.setFont(font, 110)
    canv.translate(A4[0] / 2, A4[1] / 2)
    canv.rotate(40)
    canv.drawCentredString(0, -40, "草稿")
    canv.restoreState()


def _build(story, *, title: str, court_name: str, footer: str, created=None,
           draft: bool = False) -> bytes:
    """Lay out ``story`` on A4 with the shared footer/watermark; returns PDF bytes."""
    font, _ = _font()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font,
        leftMargin=_MARGIN_X, rightMargin=_MARGIN_X, topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM, title=title, author=court_name,
        subject=title, creator="MicroCourt", lang="zh-CN")
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    template = PageTemplate("page", [frame])
    if draft:
        template.onPage = _draft_watermark
    doc.addPageTemplates([template])
    doc.build(story, canvasmaker=functools.partial(_NumberedCanvas, footer=footer,
                                                   created=created))
    return buf.getvalue()


def _header(S, court_name: str, title: str, case_number: str) -> list:
    return [Paragraph(_esc(court_name), S["court"]),
            Paragraph(_esc(title), S["title"]),
            Paragraph(_esc(case_number), S["caseno"])]


def _verification_footer(d: dict) -> str:
    code = _CTRL.sub("", str(d.get("verification_code") or ""))
    url = _CTRL.sub("", str(d.get("verification_url") or ""))
    return f"验证码 {code}  {url}".rstrip()


class _SignOff(Flowable):
    """Court name and date at the bottom right, with the seal stamped over them."""

    def __init__(self, court_name: str, date_text: str, seal_png: bytes | None,
                 seal_size: float = 42 * mm):
        super().__init__()
        self.court_name, self.date_text = court_name, date_text
        self.seal = ImageReader(io.BytesIO(seal_png or _cached_seal(court_name)))
        self.seal_size = seal_size

    def wrap(self, aw, ah):
        self.width = aw
        return aw, self.seal_size + 6 * mm

    def draw(self):
        font, _ = _font()
        c, size = self.canv, self.seal_size
        lines = [self.court_name, self.date_text]
        block_w = max(pdfmetrics.stringWidth(s, font, 12) for s in lines)
        cx = self.width - 8 * mm - block_w / 2          # centre of the text block
        y_top = size / 2 + 3 * mm + 4
        # seal first, text on top: like translucent seal ink, the date stays legible
        c.saveState()
        c.setFillAlpha(0.9)
        c.drawImage(self.seal, cx - size / 2, y_top - 10 - size / 2, size, size, mask="auto")
        c.restoreState()
        c.setFont(font, 12)
        for i, s in enumerate(lines):
            c.drawCentredString(cx, y_top - i * 20, s)


def _signature_table(signatures, S) -> Table:
    """One row per signer: name (role), signature image or （未签名）, time."""
    rows = [[Paragraph("签名人", S["cell"]), Paragraph("签名", S["cell"]),
             Paragraph("签署时间", S["cell"])]]
    for sig in signatures or []:
        who = f"{sig.get('name', '')}（{sig.get('role_label', '')}）"
        cell = Paragraph(_esc(sig.get("signed_text") or "（未签名）"), S["cell"])
        png = sig.get("image_png")
        if png:
            try:
                w, h = ImageReader(io.BytesIO(png)).getSize()
                width = 40 * mm
                height = min(width * h / max(w, 1), 25 * mm)
                cell = Image(io.BytesIO(png), width=height * w / max(h, 1), height=height,
                             mask="auto")
            except Exception:
                cell = Paragraph("（签名图像无法读取）", S["cell"])
        rows.append([Paragraph(_esc(who), S["cell"]), cell,
                     Paragraph(_dt_str(sig.get("signed_at")), S["cell"])])
    return _grid(rows, [50 * mm, 60 * mm, _FRAME_W - 110 * mm])


# --------------------------------------------------------------------------- renderers

def render_acceptance_notice(d: dict) -> bytes:
    """受理通知书 (one title for it everywhere: the notice, the dossier, the verification page)."""
    font, _ = _font()
    S = _styles(font)
    court, case_no = d.get("court_name", ""), d.get("case_number", "")
    accepted = d.get("accepted_at")
    story = _header(S, court, "受理通知书", case_no)
    story.append(Paragraph(_esc(f"{d.get('filer_name', '')}："), S["base"]))
    paragraphs = d.get("body") or d.get("body_paragraphs")
    if paragraphs:
        story += [Paragraph(_esc(p), S["body"]) for p in paragraphs]
    else:
        title = d.get("case_title", "")
        std = [
            ("你（单位）提交的强制执行申请书已收到。经审查，符合法定受理条件，本院决定立案执行。"
             if d.get("kind") == "enforcement" else
             "你（单位）提交的起诉状已收到。经审查，符合法定受理条件，本院决定立案审理。")
            + "现将有关事项通知如下：",
            f"一、本案案号为{case_no}，案件名称为{title}，"
            f"案件类型为{d.get('kind_label', '')}，立案日期为{_date_cn(accepted)}。",
            ("二、本案由" + d["judge_name"] + "承办。") if d.get("judge_name")
            else "二、本案承办法官确定后，本院将另行通知。",
            "三、本案诉讼文书通过本平台电子送达，送达至你（单位）的账户即视为送达。"
            "请及时登录查看，并按时参加在线诉讼活动。",
            "四、当事人应当遵守诉讼秩序，如实陈述，诚信诉讼。",
            "五、本通知书可凭页脚验证码在本院平台核验真伪。",
        ]
        story += [Paragraph(_esc(p), S["body"]) for p in std]
    story += [Spacer(1, 10 * mm),
              _SignOff(court, _date_cn(accepted), d.get("seal_png"))]
    return _build(story, title=f"{court}受理通知书 {case_no}", court_name=court,
                  footer=_verification_footer(d), created=accepted)


_GREY = colors.HexColor("#666666")
_KIND_TAGS = {"item": "【事项】", "answer": "【答复】", "evidence": "【举证】",
              "addendum": "【补充】", "message": "", "system": "【系统】"}


def render_transcript(d: dict) -> bytes:
    """笔录 of an asynchronous hearing (optionally watermarked 草稿)."""
    font, _ = _font()
    S = _styles(font)
    court, case_no = d.get("court_name", ""), d.get("case_number", "")
    story = _header(S, court, d.get("title", "笔录"), case_no)
    story.append(_kv_table([
        ("事由", d.get("purpose_label", "")),
        ("开始时间", _dt_str(d.get("opened_at"))),
        ("结束时间", _dt_str(d.get("closed_at")) if d.get("closed_at") else "（进行中）"),
    ], S))
    story.append(Paragraph("参加人员", S["h2"]))
    rows = [[Paragraph(h, S["cell"]) for h in ("姓名", "诉讼地位", "身份核验")]]
    rows += [[Paragraph(_esc(p.get(k, "")), S["cell"])
              for k in ("name", "role_label", "verified_label")]
             for p in d.get("participants", [])]
    story.append(_grid(rows, [50 * mm, 50 * mm, _FRAME_W - 100 * mm]))
    story.append(Paragraph("记录", S["h2"]))
    entries = sorted(d.get("entries", []), key=lambda e: _local(e["at"]))
    for e in entries:
        kind = e.get("kind", "message")
        tag = _KIND_TAGS.get(kind, "")
        if e.get("exhibit"):
            tag = f"{tag[:-1]} {e['exhibit']}】" if tag else f"【{e['exhibit']}】"
        who = e.get("author", "") + (f"（{e['role_label']}）" if e.get("role_label") else "")
        body = _GREY if kind == "system" else colors.black
        story.append(_TextBlock([(_GREY, f"[{_dt_str(e['at'])}] "),
                                 (colors.black, f"{who}{tag}："),
                                 (body, e.get("text", ""))], font))
    story.append(Paragraph("签名", S["h2"]))
    story.append(KeepTogether([_signature_table(d.get("signatures"), S)]))
    hash_label = str(d.get("document_hash_label") or "")
    if hash_label:
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(_esc(f"文档摘要：{hash_label}"), S["small"]))
    short = hash_label.split(":")[-1].strip()[:16]
    footer = f"验证码 {d.get('verification_code', '')} · 文档摘要 {short}"
    return _build(story, title=f"{d.get('title', '笔录')} {case_no}", court_name=court,
                  footer=_CTRL.sub("", footer), created=d.get("closed_at") or d.get("opened_at"),
                  draft=bool(d.get("draft")))


def render_service_certificate(d: dict) -> bytes:
    """送达回证: what was served to whom, over which channels, when."""
    font, _ = _font()
    S = _styles(font)
    court, case_no = d.get("court_name", ""), d.get("case_number", "")
    effective = d.get("effective_at")
    story = _header(S, court, d.get("title", "送达回证"), case_no)
    story.append(_kv_table([
        ("案号", case_no),
        ("送达文书", d.get("document_title", "")),
        ("受送达人", d.get("recipient_name", "")),
        ("送达生效时间", _dt_str(effective) if effective else "（尚未生效）"),
    ], S))
    story.append(Paragraph("送达记录", S["h2"]))
    cols = [("channel", "送达方式"), ("address", "送达地址"), ("sent_at", "发送时间"),
            ("delivered_at", "到达时间"), ("opened_at", "查阅时间"),
            ("acknowledged_at", "确认时间"), ("effective_at", "生效时间")]
    rows = [[Paragraph(h, S["small"]) for _, h in cols]]
    for ch in d.get("channels", []):
        row = []
        for key, _ in cols:
            v = ch.get(key) or (ch.get("channel_label") if key == "channel" else None)
            text = _dt_str(v) if isinstance(v, _dt.datetime) else (v or "—")
            row.append(Paragraph(_esc(text), S["small"]))
        rows.append(row)
    time_w = 20 * mm
    story.append(_grid(rows, [20 * mm, _FRAME_W - 20 * mm - 5 * time_w] + [time_w] * 5))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(
        "依据《中华人民共和国民事诉讼法》及相关规定，上述文书已通过电子方式送达；"
        "送达信息到达受送达人特定系统的日期为送达日期。", S["body"]))
    story += [Spacer(1, 10 * mm),
              _SignOff(court, _date_cn(d.get("issued_at") or effective), d.get("seal_png"))]
    return _build(story, title=f"{d.get('title', '送达回证')} {case_no}", court_name=court,
                  footer=_verification_footer(d), created=d.get("issued_at") or effective)


def _party_lines(S, parties):
    """The parties at the head of an agreement or a court document: "原告：名称，身份信息", then a gap."""
    lines = []
    for p in parties:
        line = f"{p.get('role_label', '')}：{p.get('name', '')}"
        if p.get("details"):
            line += f"，{p['details']}"
        lines.append(Paragraph(_esc(line), S["base"]))
    return lines + [Spacer(1, 3 * mm)]


def render_mediation_agreement(d: dict) -> bytes:
    """调解协议: parties, numbered terms, signatures, court seal."""
    font, _ = _font()
    S = _styles(font)
    court, case_no = d.get("court_name", ""), d.get("case_number", "")
    story = _header(S, court, d.get("title", "调解协议"), case_no)
    story += _party_lines(S, d.get("parties", []))
    preamble = d.get("preamble") or (
        f"{d.get('case_title') or '本案'}一案，经本院主持调解，各方当事人自愿达成如下协议：")
    story.append(Paragraph(_esc(preamble), S["body"]))
    for i, term in enumerate(d.get("terms", []), 1):
        story.append(Paragraph(_esc(f"{_cn_number(i) if i < 100 else i}、{term}"), S["body"]))
    story.append(Paragraph("本协议经各方当事人签名后生效，各方当事人应当自觉履行。",
                           S["body"]))
    story.append(Paragraph("签名", S["h2"]))
    story.append(KeepTogether([_signature_table(d.get("signatures"), S)]))
    signed = d.get("signed_at") or max(
        (s["signed_at"] for s in d.get("signatures", []) if s.get("signed_at")),
        default=None, key=_local)
    story += [Spacer(1, 8 * mm), _SignOff(court, _date_cn(signed), d.get("seal_png"))]
    return _build(story, title=f"{d.get('title', '调解协议')} {case_no}", court_name=court,
                  footer=_verification_footer(d), created=signed)


def sign_pdf(data: bytes) -> bytes:
    """The court's PAdES signature on an issued PDF (app/services/pdf_signing.py); the render_*
    functions stay pure and deterministic, the services sign what they file."""
    from app.services.pdf_signing import sign_pdf as _sign
    return _sign(data)


# --------------------------------------------------------------------------- the whole case: fees, decisions

def _day_cn(d) -> str:
    """A calendar date (datetime.date) in Chinese."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def render_payment_notice(d: dict) -> bytes:
    """交费通知书: the fee, how it was computed, the deadline and the consequence of not paying."""
    font, _ = _font()
    S = _styles(font)
    court, case_no = d.get("court_name", ""), d.get("case_number", "")
    issued = d.get("issued_at")
    story = _header(S, court, "交费通知书", case_no)
    story.append(Paragraph(_esc(f"{d.get('payer_name', '')}："), S["base"]))
    story.append(Paragraph(_esc(
        f"你（单位）与本院受理的{d.get('case_title') or '本案'}一案，依照《诉讼费用交纳办法》的规定，"
        f"应预交案件受理费人民币{d.get('amount', 0):,.2f}元。计算如下："), S["body"]))
    for line in d.get("basis") or []:
        story.append(Paragraph(_esc(line), S["body"]))
    story.append(Paragraph(_esc(
        f"请于{_day_cn(d.get('due_on'))}前交纳，可在本平台在线交纳，或到本院财务窗口交纳。"
        f"交纳网址：{d.get('pay_url', '')}"), S["body"]))
    story.append(Paragraph(_esc(
        "确有困难的，可以在交费期限内向本院申请缓交、减交或者免交，并附相关证明材料。"
        "逾期不交纳又未提出申请，或者申请未获批准仍不交纳的，本院将裁定按撤诉处理。"), S["body"]))
    story += [Spacer(1, 10 * mm), _SignOff(court, _date_cn(issued), d.get("seal_png"))]
    return _build(story, title=f"{court}交费通知书 {case_no}", court_name=court,
                  footer=_verification_footer(d), created=issued)


def render_court_document(d: dict) -> bytes:
    """判决书, 裁定书 or 调解书: parties, the text the judge drafted, the judge and the clerk, the seal."""
    font, _ = _font()
    S = _styles(font)
    court, case_no = d.get("court_name", ""), d.get("case_number", "")
    story = _header(S, court, d.get("title", "裁定书"), case_no)
    story += _party_lines(S, d.get("parties", []))
    for para in d.get("paragraphs", []):
        story.append(Paragraph(_esc(para), S["body"]))
    story.append(Spacer(1, 6 * mm))
    signers = [(role, name) for role, name in (("审判员", d.get("judge_name")), ("书记员", d.get("clerk_name")))]
    sign_rows = [Paragraph(_esc(f"{role}　{name or '（未签署）'}"), ParagraphStyle(
        "signer", parent=S["base"], alignment=TA_RIGHT)) for role, name in signers[:1]]
    story += sign_rows
    signed = d.get("signed_at")
    story += [_SignOff(court, _date_cn(signed), d.get("seal_png"))]
    story.append(Paragraph(_esc(f"书记员　{d.get('clerk_name') or '（未签署）'}"),
                           ParagraphStyle("clerk", parent=S["base"], alignment=TA_RIGHT)))
    if d.get("content_hash"):
        story.append(Spacer(1, 4 * mm))
        story.append(Paragraph(_esc(f"文书摘要：sha256:{d['content_hash']}"), S["small"]))
    return _build(story, title=f"{d.get('title', '裁定书')} {case_no}", court_name=court,
                  footer=_verification_footer(d), created=signed, draft=bool(d.get("draft")))


def render_certificate_of_effect(d: dict) -> bytes:
    """生效证明: which document of which case took legal effect on which day."""
    font, _ = _font()
    S = _styles(font)
    court, case_no = d.get("court_name", ""), d.get("case_number", "")
    story = _header(S, court, "生效证明", case_no)
    story.append(_kv_table([
        ("案号", case_no),
        ("法律文书", d.get("document_title", "")),
        ("当事人", "、".join(d.get("party_names", []))),
        ("送达情况", "；".join(d.get("service_lines", []))),
        ("生效日期", _day_cn(d.get("effective_on"))),
    ], S))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(_esc(
        f"本院{case_no}{d.get('document_title', '')}已于{_day_cn(d.get('effective_on'))}发生法律效力。"
        + (d.get("basis") or "")), S["body"]))
    story += [Spacer(1, 10 * mm), _SignOff(court, _date_cn(d.get("issued_at")), d.get("seal_png"))]
    return _build(story, title=f"生效证明 {case_no}", court_name=court, footer=_verification_footer(d),
                  created=d.get("issued_at"))


def render_enforcement_document(d: dict) -> bytes:
    """A short court document with the seal: 执行通知书, 报告财产令, 结案通知书 and the like.
    `d`: court_name, case_number, title, addressee, paragraphs, issued_at, verification_code/url."""
    font, _ = _font()
    S = _styles(font)
    court, case_no, title = d.get("court_name", ""), d.get("case_number", ""), d.get("title", "")
    issued = d.get("issued_at")
    story = _header(S, court, title, case_no)
    if d.get("addressee"):
        story.append(Paragraph(_esc(f"{d['addressee']}："), S["base"]))
    story += [Paragraph(_esc(p), S["body"]) for p in d.get("paragraphs", ())]
    story += [Spacer(1, 10 * mm), _SignOff(court, _date_cn(issued), d.get("seal_png"))]
    return _build(story, title=f"{court}{title} {case_no}", court_name=court, footer=_verification_footer(d),
                  created=issued)
