"""``name@version`` resolution through the registry."""

from __future__ import annotations

import pytest

from chimera_algo import get_hasher
from chimera_algo.migration import AlgorithmNotInstalledError
from chimera_algo.migration.resolver import CachingResolver, default_resolver

BUILTIN = get_hasher("sha256d")


def test_builtin_version_resolves():
    hasher = default_resolver(f"sha256d@{BUILTIN.version}")
    assert (hasher.name, hasher.version) == ("sha256d", BUILTIN.version)
    assert hasher.hash(bytes(80)) == BUILTIN.hash(bytes(80))


@pytest.mark.parametrize("spec, words", [
    ("sha256d@9.9.9", "sha256d@9.9.9 is not installed"),
    ("nosuchpow@1.0.0", "nosuchpow@1.0.0 is not installed"),
])
def test_missing_is_not_installed(spec, words):
    with pytest.raises(AlgorithmNotInstalledError, match=words):
        default_resolver(spec)


@pytest.mark.parametrize("spec", ["sha256d", "@1.0", "sha256d@", "a@b@c"])
def test_malformed_spec(spec):
    with pytest.raises(ValueError, match="NAME@VERSION"):
        default_resolver(spec)


def test_caching_resolver_resolves_once():
    calls = []

    def resolve(spec):
        calls.append(spec)
        return BUILTIN

    cached = CachingResolver(resolve)
    assert cached("sha256d@x") is cached("sha256d@x") is BUILTIN
    assert calls == ["sha256d@x"]
