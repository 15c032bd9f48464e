"""``chimera package build``: compile a plugin source directory, write its
manifest and sign it.

A source directory holds ``chimera-package.toml``: ``[package]`` (the
manifest's descriptive fields), ``[build]`` (toolchain ``wasm32-c`` or
``native-pybind11``, sources, include dirs) and ``[[self_test]]`` /
``[[scan_test]]`` vectors. Paths are relative to the directory.
"""

from __future__ import annotations

import hashlib
import tempfile
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from chimera_algo.packages import toolchain
from chimera_algo.packages.container import open_package, write_package
from chimera_algo.packages.errors import PackageFormatError, ToolchainError
from chimera_algo.packages.manifest import ANY_PLATFORM, FORMAT, canonical_bytes, parse_manifest
from chimera_algo.packages.native import ABI_VERSION as NATIVE_ABI
from chimera_algo.packages.native import extension_suffix, platform_tag
from chimera_algo.packages.signing import PrivateKey
from chimera_algo.packages.trust import Signature
from chimera_algo.packages.wasm import ABI_VERSION as WASM_ABI

SPEC_NAME = "chimera-package.toml"
_TOOLCHAINS = {"wasm32-c": "wasm", "native-pybind11": "native"}


def load_spec(src: Path) -> dict[str, Any]:
    path = Path(src) / SPEC_NAME
    try:
        return tomllib.loads(path.read_text())
    except OSError as exc:
        raise PackageFormatError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackageFormatError(f"{path} is not valid TOML: {exc}") from None


def compile_artifact(src: Path, spec: dict[str, Any], workdir: Path) -> tuple[str, bytes]:
    """Build the entry artifact; returns (file name, bytes)."""
    build = spec.get("build", {})
    toolchain_name = build.get("toolchain")
    if toolchain_name not in _TOOLCHAINS:
        raise PackageFormatError(f"[build] toolchain must be one of {', '.join(_TOOLCHAINS)}")
    sources = [(src / s).resolve() for s in build.get("sources", [])]
    includes = [(src / d).resolve() for d in build.get("include_dirs", [])]
    missing = [str(s) for s in sources if not s.is_file()]
    if not sources or missing:
        raise ToolchainError(f"[build] sources missing: {', '.join(missing) or 'none listed'}")
    if toolchain_name == "wasm32-c":
        name = build.get("output") or f"{spec['package']['algorithm']}.wasm"
        out = workdir / name
        toolchain.compile_wasm(sources, includes, out)
    else:
        name = f"{spec['package']['module']}{extension_suffix()}"
        out = workdir / name
        toolchain.compile_native(sources, includes, out)
    return name, out.read_bytes()


def _vectors(spec: dict[str, Any]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    self_tests = []
    for v in spec.get("self_test", []):
        if "input_pattern_length" in v:  # the BLAKE3 test-vector input: byte i is i % 251
            data = bytes(i % 251 for i in range(int(v["input_pattern_length"])))
            self_tests.append({"input": data.hex(), "digest": v["digest"]})
        else:
            self_tests.append({"input": v["input"], "digest": v["digest"]})
    scan_tests = [
        {k: v[k] for k in ("header", "start_nonce", "count", "target", "nonces")} for v in spec.get("scan_test", [])
    ]
    return self_tests, scan_tests


def make_manifest(spec: dict[str, Any], entry: str, entry_bytes: bytes, created_at: str | None = None,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    pkg = spec["package"]
    kind = _TOOLCHAINS[spec["build"]["toolchain"]]
    self_tests, scan_tests = _vectors(spec)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "name": pkg["name"],
        "algorithm": pkg["algorithm"],
        "version": pkg["version"],
        "kind": kind,
        "plugin_abi": WASM_ABI if kind == "wasm" else NATIVE_ABI,
        "digest_size": int(pkg.get("digest_size", 32)),
        "platforms": [ANY_PLATFORM] if kind == "wasm" else [platform_tag()],
        "minimum_engine_version": pkg["minimum_engine_version"],
        "entry": entry,
        "artifacts": [{"path": entry, "size": len(entry_bytes), "sha256": hashlib.sha256(entry_bytes).hexdigest()}],
        "self_tests": self_tests,
        "scan_tests": scan_tests,
        "author": pkg.get("author", ""),
        "license": pkg.get("license", ""),
        "description": pkg.get("description", ""),
        "created_at": created_at or datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }
    if kind == "native":
        manifest["module"] = pkg["module"]
    manifest.update(overrides or {})
    return manifest


def build_package(src: Path, keys: list[PrivateKey], out_dir: Path, *, overrides: dict[str, Any] | None = None,
                  created_at: str | None = None) -> Path:
    """Compile ``src``, sign its manifest with every key, write the package;
    returns its path (``<out_dir>/<name>-<version>.chimera``)."""
    src = Path(src)
    spec = load_spec(src)
    with tempfile.TemporaryDirectory(prefix="chimera-build-") as tmp:
        entry, data = compile_artifact(src, spec, Path(tmp))
    manifest = make_manifest(spec, entry, data, created_at, overrides)
    manifest_bytes = canonical_bytes(manifest)
    parse_manifest(manifest_bytes)  # never sign a manifest the installer would refuse to read
    signatures = [Signature(k.public.key_id, k.sign(manifest_bytes)) for k in keys]
    dest = Path(out_dir) / f"{manifest['name']}-{manifest['version']}.chimera"
    write_package(dest, manifest_bytes, signatures, {entry: data})
    return dest


def sign_package(path: Path, key: PrivateKey) -> Signature:
    """Add ``key``'s signature to a package file (in place)."""
    with open_package(path) as pkg:
        if any(s.key_id == key.public.key_id for s in pkg.signatures):
            raise PackageFormatError(f"{path} is already signed by {key.public.key_id}")
        sig = Signature(key.public.key_id, key.sign(pkg.manifest_bytes))
        artifacts = {name: pkg.read(name) for name in pkg.entries if name not in ("manifest.json", "signatures.json")}
        manifest_bytes, signatures = pkg.manifest_bytes, pkg.signatures + [sig]
    write_package(path, manifest_bytes, signatures, artifacts)
    return sig
