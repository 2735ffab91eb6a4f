"""RFC 6962 Merkle trees: the Certificate Transparency test vectors, and corrupted proofs refused."""
import pytest

from app.services import merkle
from app.services.merkle import ProofError

# The reference leaves and expected values of the CT / transparency-dev test suites
# (certificate-transparency-go merkletree tests, RFC 6962 §2.1.3 examples).
LEAVES = [bytes.fromhex(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
INCLUSION = [  # (index, size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, path)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
HASHES = [merkle.leaf_hash(x) for x in LEAVES]


def _root(n):
    return bytes.fromhex(ROOTS[n])


def test_roots_match_the_reference_vectors():
    for n, expected in ROOTS.items():
        assert merkle.root(HASHES[:n]).hex() == expected, n


@pytest.mark.parametrize("index,size,path", INCLUSION)
def test_inclusion_proofs_match_and_verify(index, size, path):
    made = merkle.inclusion_proof(HASHES, index, size)
    assert [p.hex() for p in made] == path
    merkle.verify_inclusion(HASHES[index], index, size, made, _root(size))


@pytest.mark.parametrize("old,new,path", CONSISTENCY)
def test_consistency_proofs_match_and_verify(old, new, path):
    made = merkle.consistency_proof(HASHES, old, new)
    assert [p.hex() for p in made] == path
    merkle.verify_consistency(old, new, _root(old), _root(new), made)


def test_every_proof_of_every_size_verifies():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(70)]
    for size in range(1, 71):
        head = merkle.root(leaves[:size])
        for i in range(size):
            merkle.verify_inclusion(leaves[i], i, size, merkle.inclusion_proof(leaves, i, size), head)
        for old in range(0, size + 1):
            merkle.verify_consistency(old, size, merkle.root(leaves[:old]), head,
                                      merkle.consistency_proof(leaves, old, size))


def _flip(b, bit=0):
    return bytes([b[0] ^ (1 << bit)]) + b[1:]


def test_corrupted_inclusion_proofs_are_refused():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(13)]
    head = merkle.root(leaves)
    path = merkle.inclusion_proof(leaves, 6)
    probes = {
        "flipped bit in the path": (leaves[6], 6, 13, [path[0], _flip(path[1], 3)] + path[2:], head),
        "flipped bit in the leaf": (_flip(leaves[6]), 6, 13, path, head),
        "flipped bit in the root": (leaves[6], 6, 13, path, _flip(head, 7)),
        "wrong index": (leaves[6], 7, 13, path, head),
        # the size is bound to its root by the signed checkpoint: check against the head of that size
        "proof for a bigger tree, checked at 12": (leaves[6], 6, 12, path, merkle.root(leaves[:12])),
        "proof made for 12, checked at 13": (leaves[6], 6, 13, merkle.inclusion_proof(leaves, 6, 12), head),
        "bigger tree size": (leaves[6], 6, 17, path, head),
        "index outside the tree": (leaves[6], 13, 13, path, head),
        "truncated proof": (leaves[6], 6, 13, path[:-1], head),
        "extended proof": (leaves[6], 6, 13, path + [path[0]], head),
        "empty proof": (leaves[6], 6, 13, [], head),
    }
    for name, args in probes.items():
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args)
            pytest.fail(name)


def test_corrupted_consistency_proofs_are_refused():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(13)]
    old, new = merkle.root(leaves[:5]), merkle.root(leaves)
    path = merkle.consistency_proof(leaves, 5, 13)
    merkle.verify_consistency(5, 13, old, new, path)
    rewritten = merkle.root([leaves[0], _flip(leaves[1])] + leaves[2:5])
    probes = {
        "flipped bit": (5, 13, old, new, [_flip(path[0])] + path[1:]),
        "wrong old size": (4, 13, old, new, path),
        "proof for 13 checked at 12": (5, 12, old, merkle.root(leaves[:12]), path),
        "proof made for 12 checked at 13": (5, 13, old, new, merkle.consistency_proof(leaves, 5, 12)),
        "truncated": (5, 13, old, new, path[:-1]),
        "rewritten history": (5, 13, rewritten, new, path),
        "shrinking tree": (13, 5, new, old, path),
        "empty proof": (5, 13, old, new, []),
    }
    for name, args in probes.items():
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
            pytest.fail(name)


def test_proofs_for_leaves_outside_the_tree_are_not_made():
    with pytest.raises(ProofError):
        merkle.inclusion_proof(HASHES, 8)
    with pytest.raises(ProofError):
        merkle.consistency_proof(HASHES, 5, 9)


def test_prefix_roots_in_one_pass_match_each_root():
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(37)]
    sizes = [0, 1, 2, 3, 7, 8, 9, 16, 31, 32, 37]
    assert merkle.prefix_roots(leaves, sizes) == {n: merkle.root(leaves[:n]) for n in sizes}
    assert merkle.prefix_roots(HASHES, ROOTS)[8].hex() == ROOTS[8]
