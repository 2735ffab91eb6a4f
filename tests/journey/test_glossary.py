"""One term per concept: the catalogues follow docs/GLOSSARY.md (issue #14, item 6)."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
# English messages where the word names another concept of the glossary (Chinese follows the concept).
OTHER_CONCEPT = {
    "After you confirm, we check your face to be sure it is you. You can change these answers later, stage by "
    "stage.": "answers = choices when joining (选择)",
    "The correction deadline passed without an answer, so this filing is treated as withdrawn.": "correction of a filing",
    "Filer's reply": "the filer's explanation (说明)",
    "Your reply to the court": "the filer's explanation (说明)",
    "Item %(n)s is not fixed yet: change it, or explain in its reply.": "the filer's explanation (说明)",
    "Replies on items": "the filer's explanation (说明)",
    "Your reply on this item (optional if you changed it)": "the filer's explanation (说明)",
}


def _checked_rows():
    rows = []
    for line in (ROOT / "docs" / "GLOSSARY.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[3] == "✓":
            english = re.sub(r"\s*\(.*?\)", "", cells[0]).split(",")[0].strip()
            rows.append((english, cells[1].split(",")[0].strip()))
    return rows


def test_glossary_terms_are_used_by_the_chinese_catalogue():
    rows = _checked_rows()
    assert len(rows) >= 6
    with (ROOT / "app" / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        cat = read_po(fh, locale="zh")
    wrong = []
    for msg in cat:
        if not msg.id or not isinstance(msg.id, str) or msg.id in OTHER_CONCEPT:
            continue
        for english, chinese in rows:
            # "answer"/"answers"/"answered" and "reply"/"replies"/"replying"
            stem = english[:-1] + "(?:y|ies|ied|ying)" if english.endswith("y") else english + r"(?:s|ed|ing)?"
            if re.search(rf"\b{stem}\b", msg.id, re.I) and chinese not in msg.string:
                wrong.append(f"{english} -> {chinese}: {msg.id!r} = {msg.string!r}")
    assert not wrong, "\n".join(wrong)
