"""Keep the catalogues complete: extract, update, fill zh from app/translations/zh-*.json, check.

    python tools/i18n.py update    # extract + update catalogues + merge JSON translations
    python tools/i18n.py check     # exit 1 listing any untranslated zh message
Translations are written in app/translations/zh/LC_MESSAGES/messages.po; the JSON files are
only a way for parallel work to hand in its strings, merged and then removed.
"""
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TR = ROOT / "app" / "translations"
POT = TR / "messages.pot"
BIN = Path(sys.executable).parent


def run(*args):
    subprocess.run([str(BIN / "pybabel"), *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def update():
    run("extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "--no-location", "--sort-output", "-o", str(POT), ".")
    for lang in ("zh", "en"):
        if not (TR / lang / "LC_MESSAGES" / "messages.po").exists():
            run("init", "-i", str(POT), "-d", str(TR), "-l", lang)
    run("update", "-i", str(POT), "-d", str(TR), "--no-fuzzy-matching", "--ignore-obsolete")
    extra = {}
    for f in sorted(TR.glob("zh-*.json")):
        extra.update(json.loads(f.read_text()))
    path = TR / "zh" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale="zh")
    for msg in cat:
        if not msg.id:
            continue
        key = msg.id if isinstance(msg.id, str) else msg.id[0]
        if key in extra and not (msg.string if isinstance(msg.string, str) else msg.string[0]):
            msg.string = extra[key] if isinstance(msg.id, str) else (extra[key],)
    with path.open("wb") as fh:
        write_po(fh, cat, width=0, omit_header=False, sort_output=True)
    for f in TR.glob("zh-*.json"):
        f.unlink()
    # English is the source language: its catalogue says each message as it is.
    en = TR / "en" / "LC_MESSAGES" / "messages.po"
    with en.open("rb") as fh:
        cat = read_po(fh, locale="en")
    for msg in cat:
        if msg.id and not msg.string:
            msg.string = msg.id if isinstance(msg.id, str) else (msg.id[0], msg.id[1])
    with en.open("wb") as fh:
        write_po(fh, cat, width=0, sort_output=True)


def missing():
    with (TR / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        cat = read_po(fh, locale="zh")
    return [m.id for m in cat if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        update()
    gaps = missing()
    for g in gaps:
        print("untranslated:", g)
    sys.exit(1 if gaps and sys.argv[1:] == ["check"] else 0)
