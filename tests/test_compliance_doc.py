"""docs/COMPLIANCE.md has one row per article (39) and every test it names exists."""
import re

from tests.conftest import ROOT


def test_every_article_has_a_row_and_every_named_test_exists():
    text = (ROOT / "docs" / "COMPLIANCE.md").read_text()
    rows = re.findall(r"^\| (\d+) \|", text, flags=re.M)
    assert [int(r) for r in rows] == list(range(1, 40))
    for path, name in re.findall(r"(tests/[\w/]+\.py)::(test_\w+)", text):
        assert f"def {name}(" in (ROOT / path).read_text(), f"{path}::{name}"
