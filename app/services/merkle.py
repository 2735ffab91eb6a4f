"""RFC 6962 / RFC 9162 Merkle trees (默克尔树): tree heads, inclusion and consistency proofs.

A pure module (hashlib only, no database): the dossier log stores leaf hashes, this module turns
them into roots and proofs and checks proofs. Leaf hash = SHA-256(0x00 || data), interior node =
SHA-256(0x01 || left || right), the empty tree's root = SHA-256(""), so a proof made here checks
with any Certificate Transparency verifier. `tools/verify_proof.py` repeats the two verification
functions standalone.
"""
import hashlib


class ProofError(ValueError):
    """A proof that does not prove what it claims (wrong size, wrong index, altered or truncated)."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n):
    """The largest power of two smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves, start=0, end=None):
    """MTH(D[start:end]) over leaf *hashes*, iteratively (a stack of perfect subtrees), O(n)."""
    end = len(leaves) if end is None else end
    if end - start == 0:
        return hashlib.sha256(b"").digest()
    stack = []  # (height, hash) of perfect subtrees, left to right
    for i in range(start, end):
        h, height = leaves[i], 0
        while stack and stack[-1][0] == height:
            h = node_hash(stack.pop()[1], h)
            height += 1
        stack.append((height, h))
    # Fold the remaining (smaller, rightmost) subtrees: RFC 6962's split puts the biggest
    # perfect subtree on the left, which is exactly right-to-left folding of this stack.
    h = stack.pop()[1]
    while stack:
        h = node_hash(stack.pop()[1], h)
    return h


def prefix_roots(leaves, sizes):
    """{size: MTH(D[0:size])} for several sizes in one pass over the leaves (O(n + k log n))."""
    wanted, out, stack = set(sizes), {}, []
    if 0 in wanted:
        out[0] = hashlib.sha256(b"").digest()
    for i, h in enumerate(leaves):
        height = 0
        while stack and stack[-1][0] == height:
            h = node_hash(stack.pop()[1], h)
            height += 1
        stack.append((height, h))
        if i + 1 in wanted:
            r = stack[-1][1]
            for _height, left in reversed(stack[:-1]):
                r = node_hash(left, r)
            out[i + 1] = r
    return out


def inclusion_proof(leaves, index, size=None):
    """PATH(index, D[0:size]) of RFC 6962 §2.1.1: the audit path, leaf to root."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ProofError(f"no leaf {index} in a tree of {size}")
    path = []

    def walk(m, lo, hi):
        n = hi - lo
        if n == 1:
            return
        k = _split(n)
        if m < k:
            walk(m, lo, lo + k)
            path.append(root(leaves, lo + k, hi))
        else:
            walk(m - k, lo + k, hi)
            path.append(root(leaves, lo, lo + k))
    walk(index, 0, size)
    return path


def consistency_proof(leaves, old_size, new_size=None):
    """PROOF(old_size, D[0:new_size]) of RFC 6962 §2.1.2."""
    new_size = len(leaves) if new_size is None else new_size
    if not 0 <= old_size <= new_size <= len(leaves):
        raise ProofError(f"no consistency proof from {old_size} to {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    path = []

    def sub(m, lo, hi, whole):
        n = hi - lo
        if m == n:
            if not whole:
                path.append(root(leaves, lo, hi))
            return
        k = _split(n)
        if m <= k:
            sub(m, lo, lo + k, whole)
            path.append(root(leaves, lo + k, hi))
        else:
            sub(m - k, lo + k, hi, False)
            path.append(root(leaves, lo, lo + k))
    sub(old_size, 0, new_size, True)
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path, expected_root: bytes):
    """RFC 9162 §2.1.3.2. Raises ProofError unless `leaf` (a leaf hash) is at `index` of the tree
    of `size` leaves whose root is `expected_root`."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short for this tree size")
    if r != expected_root:
        raise ProofError("the proof does not lead to the tree head")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, path):
    """RFC 9162 §2.1.4.2. Raises ProofError unless the tree of `new_size` leaves with `new_root`
    extends the tree of `old_size` leaves with `old_root` (nothing before it was changed)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"cannot go from {old_size} to {new_size} leaves")
    if old_size == new_size:
        if path:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("two different heads for the same size")
        return
    if old_size == 0:
        if path:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not path:
        raise ProofError("the proof is empty")
    path = list(path)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node on the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short for these sizes")
    if fr != old_root:
        raise ProofError("the proof does not lead to the old tree head")
    if sr != new_root:
        raise ProofError("the proof does not lead to the new tree head")
