"""The native package: built from the built-in kernel sources, needs two
signatures by default, loads only the bytes that were signed."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chimera_algo import get_hasher, packages
from chimera_algo.packages import errors
from chimera_algo.packages.builder import build_package
from chimera_algo.packages.native import platform_tag
from .helpers import PLUGINS, repack


@pytest.fixture(scope="session")
def native_pkg(tmp_path_factory, keys):
    out = tmp_path_factory.mktemp("native")
    return build_package(PLUGINS / "sha256d-native", [keys["alice"], keys["bob"]], out)


def test_native_package_matches_the_builtin_kernel(env, native_pkg):
    package = env.manager.install(native_pkg)
    assert (package.kind, package.version, package.supported_platforms) == ("native", "1.1.0", [platform_tag()])
    assert package.native_libraries[platform_tag()]["module"] == "chimera_plugin_sha256d"
    builtin = get_hasher("sha256d")
    env.manager.activate("sha256d", "1.1.0")
    packages.use_installed_packages(env.manager)
    try:
        hasher = get_hasher("sha256d")
        assert hasher is get_hasher("sha256d", version="1.1.0")
    finally:
        packages.use_installed_packages(enabled=False)
        packages.set_manager(None)
    assert (hasher.isa, hasher.version) == ("native-package", "1.1.0")
    assert builtin.isa != "native-package"

    @given(st.binary(max_size=2000), st.integers(1, 100))
    def same(data, item_size):
        assert hasher.hash(data) == builtin.hash(data)
        usable = data[: len(data) - len(data) % item_size]
        assert hasher.hash_many(usable, item_size) == builtin.hash_many(usable, item_size)

    same()
    header = os.urandom(80)
    assert hasher.scan(header, 2**32 - 100, 400, 1 << 250) == builtin.scan(header, 2**32 - 100, 400, 1 << 250)
    with pytest.raises(ValueError, match="80 bytes"):
        hasher.scan(b"short", 0, 1, 1)


def test_one_signature_is_not_enough_for_native(env, native_pkg, keys, tmp_path):
    one = repack(native_pkg, tmp_path / "one.chimera", [keys["alice"]])
    with pytest.raises(errors.ThresholdNotMetError, match="1 of 2 required signatures .* native"):
        env.manager.install(one)


def test_native_for_another_platform_is_refused(env, native_pkg, keys, tmp_path):
    other = repack(native_pkg, tmp_path / "win.chimera", [keys["alice"], keys["bob"]],
                   manifest=lambda m: m.update(platforms=["cp311-win_amd64"]))
    with pytest.raises(errors.WrongPlatformError, match=f"built for cp311-win_amd64; this engine is {platform_tag()}"):
        env.manager.install(other)


def test_native_library_changed_on_disk_is_not_loaded(env, native_pkg):
    env.manager.install(native_pkg)
    (lib,) = (env.home / "packages" / "sha256d" / "1.1.0").glob("*.so")
    lib.chmod(0o644)
    with open(lib, "ab") as f:
        f.write(b"\0")
    fresh = packages.PackageManager(env.records, env.trust, env.home / "packages")
    with pytest.raises(errors.ArtifactHashMismatchError, match="changed on disk"):
        fresh.load("sha256d", "1.1.0")
