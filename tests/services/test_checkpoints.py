"""Checkpoints as C2SP signed notes: the exact format, any key, and forged or altered notes refused."""
import base64
import hashlib

import pytest

from app.services import checkpoints
from app.services.checkpoints import BadCheckpoint


@pytest.fixture
def keyed(app, tmp_path):
    """A fresh key per call, so a verifier key with "+" in its base64 turns up."""
    def make(n):
        app.config.update(DOSSIER_LOG_KEY=str(tmp_path / f"k{n}.pem"), DOSSIER_LOG_NAME="court.example/dossier")
        return checkpoints.verifier_key()
    old = dict(app.config)
    with app.app_context():
        yield make
    app.config.clear()
    app.config.update(old)


def test_note_format_and_round_trip_with_every_kind_of_key(keyed):
    seen_plus = False
    for n in range(40):
        vkey = keyed(n)
        name, kid, b64 = vkey.split("+", 2)
        raw = base64.b64decode(b64)
        assert name == "court.example/dossier" and raw[0] == 1 and len(raw) == 33
        assert kid == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()
        note = checkpoints.sign(checkpoints.body("court.example/dossier/court-1", 5, b"\x07" * 32))
        head, sig_line = note.split("\n\n")
        assert head == "court.example/dossier/court-1\n5\n" + base64.b64encode(b"\x07" * 32).decode()
        assert sig_line.startswith("\u2014 court.example/dossier ") and sig_line.endswith("\n")
        assert checkpoints.verify(note, vkey) == ("court.example/dossier/court-1", 5, b"\x07" * 32)
        seen_plus |= "+" in b64
        if seen_plus and n >= 3:
            break
    assert seen_plus


def test_forged_altered_and_foreign_notes_are_refused(keyed):
    vkey = keyed(0)
    note = checkpoints.sign(checkpoints.body("court.example/dossier/court-1", 5, b"\x07" * 32))
    with pytest.raises(BadCheckpoint, match="does not verify"):
        checkpoints.verify(note.replace("\n5\n", "\n6\n"), vkey)
    head, sig = note.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig))
    raw[-1] ^= 0x80
    with pytest.raises(BadCheckpoint, match="does not verify"):
        checkpoints.verify(head + " " + base64.b64encode(bytes(raw)).decode() + "\n", vkey)
    other = keyed(1)
    with pytest.raises(BadCheckpoint, match="not signed by this court's key"):
        checkpoints.verify(note, other)
    for bad in ("", "no blank line", "a\nb\n\n\u2014 x AAAA\n", "o\n5\nnot base64!\n\n"):
        with pytest.raises(BadCheckpoint):
            checkpoints.verify(bad, vkey)
