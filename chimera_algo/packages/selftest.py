"""Run a package's own self-test vectors against its loaded hasher."""

from __future__ import annotations

from chimera_algo.hasher import Hasher
from chimera_algo.packages.errors import SelfTestError
from chimera_algo.packages.manifest import Manifest


def run_self_tests(hasher: Hasher, manifest: Manifest) -> int:
    """Check every vector (single and batched hashing, and scans); returns
    how many checks passed, raises :class:`SelfTestError` on the first miss.
    A vector that traps or loops raises the sandbox's own error."""
    checks = 0
    for i, vec in enumerate(manifest.self_tests):
        data = bytes.fromhex(vec.input)
        got = hasher.hash(data)
        if got.hex() != vec.digest:
            raise SelfTestError(
                f"{manifest.label}: self-test vector {i} (input {len(data)} bytes) gave {got.hex()}, "
                f"expected {vec.digest}"
            )
        checks += 1
        if data:  # the batched path must agree with the single one
            batch = hasher.hash_many(data * 3, len(data))
            if batch != bytes.fromhex(vec.digest) * 3:
                raise SelfTestError(f"{manifest.label}: hash_many disagrees with hash on self-test vector {i}")
            checks += 1
    for i, scan in enumerate(manifest.scan_tests):
        header = bytes.fromhex(scan.header)
        target = int(scan.target, 16)
        got_nonces = hasher.scan(header, scan.start_nonce, scan.count, target)
        if list(got_nonces) != scan.nonces:
            raise SelfTestError(f"{manifest.label}: scan test {i} found nonces {list(got_nonces)}, expected {scan.nonces}")
        checks += 1
    return checks

