"""Both catalogues are complete, and every message used in code and templates is in them."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import ROOT


def _catalogue(lang):
    with open(ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_every_message_has_chinese_and_english():
    for lang in ("zh", "en"):
        missing = [m.id for m in _catalogue(lang) if m.id and not (m.string if isinstance(m.string, str)
                                                                      else all(m.string))]
        assert missing == [], f"{lang}: untranslated {missing[:10]}"


def test_catalogue_covers_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as fh:
        used = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue("zh")}
    assert sorted(used - known) == [], "run `make i18n` and translate the new messages"


def test_chinese_is_the_default_and_english_is_available(client):
    assert "登录" in client.get("/signin").get_data(as_text=True)
    assert "Sign in" in client.get("/signin", headers={"Accept-Language": "en"}).get_data(as_text=True)
