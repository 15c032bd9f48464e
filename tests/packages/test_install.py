"""The happy path: build, sign, install, activate, and get_hasher serving the
installed versions with the same digests as the built-in kernels."""

from __future__ import annotations

import blake3 as blake3_ref
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chimera_algo
from chimera_algo import UnknownAlgorithmError, get_hasher, packages
from chimera_algo.packages import errors

BUILTIN_VERSION = get_hasher("sha256d").version


@pytest.fixture
def served(env):
    """env's manager serves get_hasher for this test only."""
    packages.set_manager(env.manager)
    yield env
    packages.use_installed_packages(enabled=False)
    packages.set_manager(None)


def reference(algorithm: str):
    """The digest function installed packages must agree with: the built-in
    kernel, or for an algorithm not built in, the reference package."""
    if algorithm in chimera_algo.algorithms():
        return get_hasher(algorithm).hash
    assert algorithm == "blake3"
    return lambda data: blake3_ref.blake3(bytes(data)).digest()


def test_install_records_the_row_and_the_audit_entry(env, built):
    package = env.manager.install(built["sha256d"], operator="ops-ann")
    assert package.label == "sha256d@1.0.0" and package.status == "installed" and package.kind == "wasm"
    (row,) = env.records.all()
    assert row.package_hash == package.package_hash and row.wasm_binary == package.wasm_binary
    assert row.supported_platforms == ["any"] and row.minimum_engine_version == "0.1.0"
    assert row.signatures[0]["key_id"] == env.trust.find("alice").key_id
    (entry,) = env.records.audit_entries()
    assert (entry.actor, entry.action, entry.subject) == ("ops-ann", "package.install", "sha256d@1.0.0")
    assert entry.details["self_test_checks"] >= 4
    assert (env.home / "packages" / "sha256d" / "1.0.0" / "sha256d.wasm").is_file()


@pytest.mark.parametrize("algorithm", ["sha256d", "blake3"])
def test_installed_wasm_agrees_with_the_reference(served, built, algorithm):
    ref = reference(algorithm)
    served.manager.install(built[algorithm])
    served.manager.activate(algorithm, "1.0.0")
    packages.use_installed_packages()
    hasher = get_hasher(algorithm)  # the active version now serves the plain name
    assert hasher is get_hasher(algorithm, version="1.0.0")
    assert (hasher.name, hasher.version, hasher.isa, hasher.digest_size) == (algorithm, "1.0.0", "wasm", 32)
    assert isinstance(hasher, chimera_algo.Hasher)

    @given(st.binary(max_size=3000))
    def same_digest(data):
        assert hasher.hash(data) == ref(data)

    @given(st.integers(1, 200), st.integers(0, 40), st.randoms(use_true_random=False))
    def same_batch(item_size, n, rnd):
        data = rnd.randbytes(item_size * n)
        expected = b"".join(ref(data[i : i + item_size]) for i in range(0, len(data), item_size))
        assert hasher.hash_many(data, item_size) == expected
        assert hasher.hash_many(bytearray(data), item_size) == expected

    @given(st.binary(min_size=80, max_size=80), st.integers(0, 2**32 - 1), st.integers(0, 300), st.integers(248, 256))
    def same_scan(header, start, count, bits):
        target = (1 << bits) - 1 if bits == 256 else 1 << bits
        expected = []
        for i in range(count):
            nonce = (start + i) % 2**32
            digest = ref(header[:76] + nonce.to_bytes(4, "little"))
            if int.from_bytes(digest, "little") <= target:
                expected.append(nonce)
        assert list(hasher.scan(header, start, count, target)) == expected

    same_digest()
    same_batch()
    same_scan()


def test_large_batches_cross_chunk_boundaries(served, built):
    import numpy as np

    served.manager.install(built["sha256d"])
    hasher = get_hasher("sha256d", "1.0.0")
    headers = np.random.default_rng(7).integers(0, 256, size=(20000, 80), dtype=np.uint8)
    assert hasher.hash_many(headers, 80) == get_hasher("sha256d").hash_many(headers, 80)


def test_activate_serves_get_hasher_without_a_version(served, built, keys, tmp_path):
    from .helpers import repack

    manager = served.manager
    manager.install(built["sha256d"])
    newer = repack(built["sha256d"], tmp_path / "n.chimera", [keys["alice"]], manifest=lambda m: m.update(version="1.1.0"))
    manager.install(newer)
    assert get_hasher("sha256d").isa != "wasm"  # not opted in: the built-in serves
    packages.use_installed_packages()
    assert get_hasher("sha256d").isa != "wasm"  # opted in, nothing active yet
    manager.activate("sha256d", "1.0.0", operator="ops")
    assert get_hasher("sha256d").version == "1.0.0"
    manager.activate("sha256d", "1.1.0", operator="ops")
    assert get_hasher("sha256d").version == "1.1.0"
    statuses = {p.version: p.status for p in served.records.all()}
    assert statuses == {"1.0.0": "installed", "1.1.0": "active"}
    assert get_hasher("sha256d", version="1.0.0").version == "1.0.0"  # old one stays for rollback
    assert get_hasher("sha256d", version=BUILTIN_VERSION).isa != "wasm"
    with pytest.raises(errors.PackageInUseError, match="activate another version first"):
        manager.remove("sha256d", "1.1.0")
    manager.remove("sha256d", "1.0.0")
    actions = [e.action for e in served.records.audit_entries()]
    assert actions.count("package.activate") == 2


def test_unknown_version_and_remove(served, built):
    served.manager.install(built["blake3"])
    with pytest.raises(UnknownAlgorithmError, match="sha256d@7.7.7"):
        get_hasher("sha256d", version="7.7.7")
    served.manager.remove("blake3", "1.0.0", operator="ops")
    with pytest.raises(errors.NotInstalledError, match="it is deprecated"):
        get_hasher("blake3", version="1.0.0")
    assert not (served.home / "packages" / "blake3" / "1.0.0").exists()
    with pytest.raises(errors.SameVersionError):  # anti-rollback remembers removed versions
        served.manager.install(built["blake3"])
    with pytest.raises(errors.NotInstalledError):
        served.manager.activate("blake3", "1.0.0")


def test_revoking_the_key_stops_an_installed_package_from_loading(env, built):
    env.manager.install(built["sha256d"])
    env.trust.revoke(env.trust.find("alice").key_id, "compromised")
    fresh = packages.PackageManager(env.records, env.trust, env.home / "packages")
    with pytest.raises(errors.RevokedKeyError):
        fresh.load("sha256d", "1.0.0")


def test_an_installed_file_changed_on_disk_is_refused(env, built):
    env.manager.install(built["sha256d"])
    manifest = env.home / "packages" / "sha256d" / "1.0.0" / "manifest.json"
    manifest.chmod(0o644)
    manifest.write_bytes(manifest.read_bytes().replace(b"Chimera maintainers", b"Chimera maintainerz"))
    fresh = packages.PackageManager(env.records, env.trust, env.home / "packages")
    with pytest.raises(errors.ManifestTamperedError, match="changed since it was installed"):
        fresh.load("sha256d", "1.0.0")


def test_revocation_reaches_a_running_process_within_the_recheck_interval(served, built):
    import time

    served.manager.recheck_seconds = 0.3
    served.manager.install(built["sha256d"])
    hasher = get_hasher("sha256d", "1.0.0")  # loaded, verified, cached
    other_process_view = packages.trust.TrustStore.load(served.trust.path)
    other_process_view.revoke(other_process_view.find("alice").key_id, "compromised")
    other_process_view.save()  # as `chimera trust revoke` in another process would
    assert get_hasher("sha256d", "1.0.0") is hasher  # per-share lookups are a dict access...
    time.sleep(0.35)
    with pytest.raises(errors.RevokedKeyError):  # ...and the revocation lands within the interval
        get_hasher("sha256d", "1.0.0")


def test_threads_share_an_installed_wasm_hasher(served, built):
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    served.manager.install(built["sha256d"])
    hasher, builtin = get_hasher("sha256d", "1.0.0"), get_hasher("sha256d")
    rng = np.random.default_rng(3)
    batches = [rng.integers(0, 256, size=80 * int(n), dtype=np.uint8).tobytes() for n in rng.integers(1, 3000, 24)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: hasher.hash_many(b, 80), batches))
    assert results == [builtin.hash_many(b, 80) for b in batches]
