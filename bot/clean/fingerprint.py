"""A compact fingerprint of a cleaned article text: a MinHash of its word shingles (datasketch).

Two copies of one article (a syndicated copy, a content farm's spun copy after cleanup, the
same page extracted twice) share most of their word shingles; two different stories share
almost none, however alike their summaries read. The fingerprint is stored with each article,
so digests compare texts they no longer hold. 128 permutations as 4-byte values: 512 bytes,
and the share of equal values estimates the Jaccard similarity within about ±0.04.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 3  # word 3-shingles: on news-dev even uncleaned spun copies keep a Jaccard of 0.55+
# while different stories stay under 0.12 (bench/quality/digest_merge.py)
SEED = 20240601  # fixed: fingerprints stored today must compare with those computed tomorrow
MIN_SHINGLES = 8  # shorter texts say too little; they get no fingerprint
BYTES = NUM_PERM * 4

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@cache
def _template() -> MinHash:
    # The permutations are drawn once; copying the template avoids redrawing them per text.
    return MinHash(num_perm=NUM_PERM, seed=SEED)


def shingle_set(text: str, k: int = SHINGLE) -> set[bytes]:
    """Case-folded word k-shingles of a text (casing damage must not matter)."""
    tokens = _WORD.findall(text.casefold())
    return {" ".join(tokens[i : i + k]).encode() for i in range(len(tokens) - k + 1)}


def fingerprint(text: str) -> bytes:
    """The text's MinHash signature as bytes; b"" when the text is too short to fingerprint."""
    shingles = shingle_set(text)
    if len(shingles) < MIN_SHINGLES:
        return b""
    minhash = _template().copy()
    minhash.update_batch(list(shingles))
    # Hash values are below 2**32 (datasketch's 32-bit hash), so 4 bytes each hold them exactly.
    return minhash.hashvalues.astype("<u4").tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets; 0.0 when either is missing."""
    if len(a) != BYTES or len(b) != BYTES:
        return 0.0
    left = np.frombuffer(a, dtype="<u4")
    right = np.frombuffer(b, dtype="<u4")
    return float(np.count_nonzero(left == right)) / NUM_PERM
