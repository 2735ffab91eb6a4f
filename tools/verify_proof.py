#!/usr/bin/env python3
"""Check a MicroCourt dossier proof without MicroCourt: stdlib, plus `cryptography` for Ed25519.

    python tools/verify_proof.py proof.json --key 'host/dossier+1a2b3c4d+AX...' [--file document.pdf]

Checks that the checkpoint is signed by the court's key (get it from /dossier/key or another
court, not from the proof), that the entry is leaf `index` of the tree in that checkpoint
(RFC 6962 inclusion proof), and that the file's SHA-256 is the one the entry records.
Exit 0 when everything holds, 1 naming what does not.
"""
import argparse
import base64
import hashlib
import json
import sys


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(leaf, index, size, path):
    """RFC 9162 §2.1.3.2; None when the path does not fit the index and size."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def check_note(note, vkey):
    """(origin, size, root) of a C2SP signed note carrying a valid signature by `vkey`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    name, kid, key = vkey.split("+", 2)  # names never contain "+"; base64 may
    raw = base64.b64decode(key)
    text, _, sigs = note.partition("\n\n")
    text += "\n"
    for line in sigs.splitlines():
        sig_name, _, blob = line.removeprefix("\u2014 ").rpartition(" ")
        sig = base64.b64decode(blob)
        if sig_name == name and sig[:4].hex() == kid:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[4:], text.encode())  # raises if forged
            origin, size, root = text.split("\n")[:3]
            return origin, int(size), base64.b64decode(root)
    raise ValueError("no signature by this key")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("proof")
    ap.add_argument("--key", help="the court's verifier key (default: the one in the proof, which proves less)")
    ap.add_argument("--file", help="the document, to check its SHA-256 against the entry")
    args = ap.parse_args(argv)
    with open(args.proof, encoding="utf-8") as fh:
        proof = json.load(fh)
    try:
        origin, size, root = check_note(proof["checkpoint"], args.key or proof["verifier_key"])
    except Exception as exc:  # noqa: BLE001 - any failure here means: not signed by this court
        print(f"FAIL: the checkpoint is not validly signed by that key ({type(exc).__name__}: {exc})")
        return 1
    entry = proof["entry"].encode()
    if size != proof["tree_size"]:
        print(f"FAIL: the proof is for a tree of {proof['tree_size']} entries, the checkpoint has {size}")
        return 1
    path = [bytes.fromhex(p) for p in proof["inclusion_path"]]
    if root_from_path(hashlib.sha256(b"\x00" + entry).digest(), proof["index"], size, path) != root:
        print("FAIL: the entry is not in the signed tree (wrong index, size, entry or path)")
        return 1
    recorded = json.loads(entry)["sha256"]
    if args.file:
        with open(args.file, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if digest != recorded:
            print(f"FAIL: the file's SHA-256 is {digest}, the dossier recorded {recorded}")
            return 1
    print(f"OK: entry #{proof['index']} of {origin} (checkpoint of {size} entries), sha256 {recorded}"
          + (" matches the file" if args.file else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
