"""Signed checkpoints (签名检查点) of the dossier log: the Ed25519 key kept outside the database and
tree heads in the C2SP signed-note format that transparency logs and their witnesses use:

    <origin>\\n<size>\\n<base64 root hash>\\n\\n— <key name> <base64(key id || signature)>\\n

The key id is the first 4 bytes of SHA-256(key name || "\\n" || 0x01 || public key); the signature
covers the text before the blank line. The verifier key is published as
`<name>+<key id hex>+<base64(0x01 || public key)>`.
"""
import base64
import hashlib
import os
from pathlib import Path
from urllib.parse import urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

ALG_ED25519 = b"\x01"


class BadCheckpoint(ValueError):
    """A checkpoint that is malformed or whose signature does not verify."""


def key_path():
    return Path(current_app.config["DOSSIER_LOG_KEY"])


def _create_key(path):
    """Made once, on first use (demo, tests); in production the file is put there by the operator."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    try:
        os.link(tmp, path)  # atomic and never overwrites: two first uses at once agree on one key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def signing_key():
    path = key_path()
    if not path.exists():
        if not current_app.config.get("DOSSIER_LOG_KEY_CREATE"):
            raise RuntimeError(f"the dossier log key {path} is missing (set DOSSIER_LOG_KEY)")
        _create_key(path)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def key_name():
    """The log's name: no spaces or "+" (the note and verifier-key formats rule them out)."""
    name = current_app.config.get("DOSSIER_LOG_NAME") or (
        (urlparse(current_app.config.get("BASE_URL") or "").netloc or "microcourt") + "/dossier")
    return name.replace("+", "-").replace(" ", "-")


def origin(log):
    return f"{key_name()}/{log}"


def key_id(name, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALG_ED25519 + public).digest()[:4]


def _public_bytes(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier_key():
    """The public key as a note verifier key string, for witnesses and `tools/verify_proof.py`."""
    name, public = key_name(), _public_bytes(signing_key())
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ALG_ED25519 + public).decode()}"


def body(origin_line, size, root: bytes):
    return f"{origin_line}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign(text):
    key, name = signing_key(), key_name()
    sig = key.sign(text.encode())
    return f"{text}\n\u2014 {name} {base64.b64encode(key_id(name, _public_bytes(key)) + sig).decode()}\n"


def parse(note):
    """(origin, size, root bytes, body text, [(name, key id, signature)]). Raises BadCheckpoint."""
    text, sep, sigs = note.partition("\n\n")
    if not sep:
        raise BadCheckpoint("no blank line before the signatures")
    text += "\n"
    lines = text.split("\n")
    if len(lines) < 4:
        raise BadCheckpoint("a checkpoint needs an origin, a size and a root hash")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as exc:
        raise BadCheckpoint(f"unreadable size or root hash: {exc}") from None
    if len(root) != 32 or size < 0 or str(size) != lines[1]:
        raise BadCheckpoint("unreadable size or root hash")
    signatures = []
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            raise BadCheckpoint("a signature line must start with an em dash")
        try:
            name, blob = line[2:].rsplit(" ", 1)
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise BadCheckpoint("unreadable signature line") from None
        signatures.append((name, raw[:4], raw[4:]))
    return lines[0], size, root, text, signatures


def parse_verifier_key(vkey):
    name, kid, b64 = vkey.split("+", 2)  # names never contain "+"; base64 may
    raw = base64.b64decode(b64)
    if raw[:1] != ALG_ED25519 or len(raw) != 33 or key_id(name, raw[1:]).hex() != kid:
        raise BadCheckpoint("not an Ed25519 verifier key")
    return name, bytes.fromhex(kid), raw[1:]


def verify(note, vkey=None):
    """(origin, size, root) of a checkpoint signed by `vkey` (default: this court's own key).
    Raises BadCheckpoint when no signature by that key verifies."""
    vkey = vkey or verifier_key()
    name, kid, public = parse_verifier_key(vkey)
    origin_line, size, root, text, signatures = parse(note)
    pub = Ed25519PublicKey.from_public_bytes(public)
    for sig_name, sig_id, sig in signatures:
        if sig_name == name and sig_id == kid:
            try:
                pub.verify(sig, text.encode())
                return origin_line, size, root
            except InvalidSignature:
                raise BadCheckpoint("the checkpoint's signature does not verify (forged or altered)") from None
    raise BadCheckpoint("the checkpoint is not signed by this court's key")
