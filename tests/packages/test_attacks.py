"""Every attack on the install pipeline is refused, each with its own error,
and nothing is recorded."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from chimera_algo.packages import errors
from chimera_algo.packages.container import Limits
from chimera_algo.packages.manager import PackageManager
from . import wat_modules
from .helpers import repack


def refused(env, path: Path, error: type[errors.PackageError], match: str, **kwargs) -> errors.PackageError:
    before = env.records.all()
    with pytest.raises(error, match=match) as exc:
        env.manager.install(path, **kwargs)
    assert env.records.all() == before  # a refused package changes nothing
    return exc.value


def edit_zip(src: Path, dest: Path, edit) -> Path:
    """Rewrite the zip entries of ``src`` through ``edit(name, data) -> (name, data) | None``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            out = edit(info.filename, zin.read(info))
            if out is not None:
                zout.writestr(out[0], out[1])
    return dest


def test_tampered_manifest(env, built, tmp_path):
    def bump_version(name, data):
        if name == "manifest.json":
            data = data.replace(b'"version":"1.0.0"', b'"version":"9.0.0"')
        return name, data

    pkg = edit_zip(built["sha256d"], tmp_path / "t.chimera", bump_version)
    err = refused(env, pkg, errors.ManifestTamperedError, "changed after signing")
    assert err.check == "signature"


def test_tampered_artifact(env, built, tmp_path):
    def flip(name, data):
        if name.endswith(".wasm"):
            data = data[:-1] + bytes([data[-1] ^ 1])
        return name, data

    pkg = edit_zip(built["sha256d"], tmp_path / "t.chimera", flip)
    err = refused(env, pkg, errors.ArtifactHashMismatchError, "does not match the signed manifest")
    assert err.check == "artifact"


def test_unsigned(env, built, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "u.chimera", [])
    refused(env, pkg, errors.UnsignedPackageError, "unsigned")


def test_unknown_key(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "k.chimera", [keys["mallory"]])
    refused(env, pkg, errors.UnknownKeyError, keys["mallory"].public.key_id)


def test_revoked_key(env, built):
    env.trust.revoke(env.trust.find("alice").key_id, "laptop stolen")
    refused(env, built["sha256d"], errors.RevokedKeyError, "revoked key")


def test_k_minus_one_of_k_signatures(env, built, keys, tmp_path):
    env.trust.set_threshold("wasm", 2)
    one = repack(built["sha256d"], tmp_path / "one.chimera", [keys["alice"]])
    refused(env, one, errors.ThresholdNotMetError, "1 of 2 required")
    twice_same = repack(built["sha256d"], tmp_path / "dup.chimera", [keys["alice"], keys["alice"]])
    refused(env, twice_same, errors.ThresholdNotMetError, "1 of 2")  # distinct keys only
    two = repack(built["sha256d"], tmp_path / "two.chimera", [keys["alice"], keys["bob"]])
    assert env.manager.install(two).version == "1.0.0"


def test_native_needs_two_signatures_by_default(env):
    assert env.trust.threshold("native") == 2 and env.trust.threshold("wasm") == 1


def test_downgrade_and_same_version(env, built, keys, tmp_path):
    newer = repack(built["sha256d"], tmp_path / "new.chimera", [keys["alice"]],
                   manifest=lambda m: m.update(version="1.2.0"))
    env.manager.install(newer)
    refused(env, built["sha256d"], errors.DowngradeError, "older than sha256d@1.2.0")
    refused(env, newer, errors.SameVersionError, "already recorded")
    assert [p.version for p in env.records.all()] == ["1.2.0"]


def test_forced_downgrade_is_audited(env, built, keys, tmp_path):
    newer = repack(built["sha256d"], tmp_path / "new.chimera", [keys["alice"]],
                   manifest=lambda m: m.update(version="1.2.0"))
    env.manager.install(newer)
    with pytest.raises(ValueError, match="needs a reason"):
        env.manager.install(built["sha256d"], force=True)
    env.manager.install(built["sha256d"], force=True, reason="1.2.0 misbehaves on testnet", operator="ops-ann")
    forced = [e for e in env.records.audit_entries() if e.action == "package.install.forced"]
    assert len(forced) == 1
    assert forced[0].actor == "ops-ann" and forced[0].subject == "sha256d@1.0.0"
    assert forced[0].details["reason"] == "1.2.0 misbehaves on testnet"
    assert "downgrade" in forced[0].details["forced"]


def _raw_zip(dest: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return dest


def _with_entry(built_pkg: Path, dest: Path, info: zipfile.ZipInfo | str, data: bytes) -> Path:
    with zipfile.ZipFile(built_pkg) as zin:
        entries = [(i.filename, zin.read(i)) for i in zin.infolist()]
    return _raw_zip(dest, entries + [(info, data)])


def test_zip_slip(env, built, tmp_path):
    pkg = _with_entry(built["sha256d"], tmp_path / "slip.chimera", "../../outside.txt", b"owned")
    refused(env, pkg, errors.ZipSlipError, "climbs out")
    assert not (env.home / "outside.txt").exists() and not (tmp_path / "outside.txt").exists()


def test_absolute_path(env, built, tmp_path):
    pkg = _with_entry(built["sha256d"], tmp_path / "abs.chimera", "/tmp/chimera-owned", b"owned")
    refused(env, pkg, errors.AbsolutePathError, "absolute path")


def test_symlink_entry(env, built, tmp_path):
    link = zipfile.ZipInfo("evil-link")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    pkg = _with_entry(built["sha256d"], tmp_path / "link.chimera", link, b"/etc/passwd")
    refused(env, pkg, errors.SymlinkEntryError, "symbolic link")


def test_manifest_artifact_path_tricks_are_refused_too(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "m.chimera", [keys["alice"]],
                 manifest=lambda m: m.update(entry="../x.wasm", artifacts=[{**m["artifacts"][0], "path": "../x.wasm"}]))
    refused(env, pkg, errors.ZipSlipError, "climbs out")


def test_unsigned_extra_entry(env, built, tmp_path):
    pkg = _with_entry(built["sha256d"], tmp_path / "extra.chimera", "payload.so", b"\x7fELF")
    refused(env, pkg, errors.PackageFormatError, "does not sign: payload.so")


def test_oversized_package(env, built, keys, tmp_path):
    small = PackageManager(env.records, env.trust, env.home / "packages", limits=Limits(max_package_bytes=1024))
    with pytest.raises(errors.PackageTooLargeError, match="over the 1024 byte cap"):
        small.install(built["sha256d"])


def test_oversized_artifact_is_refused_before_unpacking(env, built, tmp_path):
    # A 40 MiB run of zeros compresses to ~40 KiB: the cap applies to what it
    # would unpack to, read from the zip directory.
    with zipfile.ZipFile(built["sha256d"]) as zin:
        entries = [(i.filename, zin.read(i)) for i in zin.infolist()]
    big = zipfile.ZipInfo("big.bin")
    big.compress_type = zipfile.ZIP_DEFLATED
    pkg = _raw_zip(tmp_path / "bomb.chimera", entries + [(big, bytes(40 << 20))])
    assert pkg.stat().st_size < 1 << 20
    err = refused(env, pkg, errors.ArtifactTooLargeError, "over the 33554432 byte cap")
    assert err.check == "size"


def test_wrong_platform_tag(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "p.chimera", [keys["alice"]],
                 manifest=lambda m: m.update(platforms=["cp311-win_amd64"]))
    refused(env, pkg, errors.WrongPlatformError, "platforms must be")


def test_engine_too_old(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "e.chimera", [keys["alice"]],
                 manifest=lambda m: m.update(minimum_engine_version="99.0.0"))
    err = refused(env, pkg, errors.EngineTooOldError, "needs Chimera >= 99.0.0")
    assert err.check == "engine"


def test_abi_mismatch(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "a.chimera", [keys["alice"]], manifest=lambda m: m.update(plugin_abi=2))
    refused(env, pkg, errors.AbiMismatchError, "ABI v2")


def test_wasm_with_a_wasi_import(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "w.chimera", [keys["alice"]], artifact=wat_modules.wasi_import())
    refused(env, pkg, errors.WasmImportError, "must import nothing")


def test_wasm_infinite_loop_in_self_test(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "l.chimera", [keys["alice"]], artifact=wat_modules.loop_on_ff(),
                 manifest=lambda m: m.update(self_tests=[{"input": "ff", "digest": "00" * 32}]))
    refused(env, pkg, errors.WasmTimeoutError, "endless loop")


def test_wasm_memory_bomb(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "b.chimera", [keys["alice"]], artifact=wat_modules.memory_bomb())
    refused(env, pkg, errors.WasmMemoryLimitError, "memory cap")


def test_failing_self_test_vector(env, built, keys, tmp_path):
    def wrong(m):
        m["self_tests"][0]["digest"] = "00" * 32

    pkg = repack(built["sha256d"], tmp_path / "s.chimera", [keys["alice"]], manifest=wrong)
    err = refused(env, pkg, errors.SelfTestError, "self-test vector 0")
    assert err.check == "selftest"


def test_failing_scan_vector(env, built, keys, tmp_path):
    def wrong(m):
        m["scan_tests"][0]["nonces"] = [2083236891]

    pkg = repack(built["sha256d"], tmp_path / "s.chimera", [keys["alice"]], manifest=wrong)
    refused(env, pkg, errors.SelfTestError, "scan test 0")


def test_not_a_package(env, tmp_path):
    junk = tmp_path / "junk.chimera"
    junk.write_bytes(b"not a zip")
    refused(env, junk, errors.PackageFormatError, "not a package")


def test_non_canonical_manifest_is_refused(env, built, keys, tmp_path):
    from chimera_algo.packages.container import write_package
    from chimera_algo.packages.trust import Signature
    from .helpers import read_parts

    parts = read_parts(built["sha256d"])
    raw = json.dumps(parts.manifest, indent=1).encode()  # signed, but not canonical
    write_package(tmp_path / "c.chimera", raw, [Signature(keys["alice"].public.key_id, keys["alice"].sign(raw))],
                  parts.artifacts)
    refused(env, tmp_path / "c.chimera", errors.PackageFormatError, "canonical form")


def test_refusals_leave_no_files_behind(env, built, keys, tmp_path):
    def wrong(m):
        m["self_tests"][0]["digest"] = "00" * 32

    pkg = repack(built["sha256d"], tmp_path / "s.chimera", [keys["alice"]], manifest=wrong)
    with pytest.raises(errors.SelfTestError):
        env.manager.install(pkg)
    root = env.home / "packages"
    assert not (root / "sha256d").exists()
    assert list((root / ".staging").iterdir()) == []


def test_default_package_cap_is_checked_before_opening(env, tmp_path):
    huge = tmp_path / "huge.chimera"
    with open(huge, "wb") as f:
        f.truncate(65 << 20)  # sparse: 65 MiB on paper, nothing written
    refused(env, huge, errors.PackageTooLargeError, "over the 67108864 byte cap")


def test_overlong_version_is_refused(env, built, keys, tmp_path):
    pkg = repack(built["sha256d"], tmp_path / "v.chimera", [keys["alice"]],
                 manifest=lambda m: m.update(version="1.0.0-" + "a" * 30))
    refused(env, pkg, errors.PackageFormatError, "version may have 20 characters")
