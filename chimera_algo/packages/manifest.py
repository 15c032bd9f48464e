"""The package manifest: fields, validation and canonical bytes.

Signatures cover the canonical bytes (sorted keys, no whitespace, ASCII, no
floats), so the manifest stored in a package must be exactly that form; every
field — algorithm id, ABI, platforms, artifact hashes, self-tests — is signed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from chimera_algo.packages.errors import PackageFormatError
from chimera_algo.packages.paths import check_entry_name
from chimera_algo.packages.semver import Version

FORMAT = "chimera-package/1"
KINDS = ("native", "wasm")
MANIFEST_NAME = "manifest.json"
SIGNATURES_NAME = "signatures.json"
ANY_PLATFORM = "any"

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,49}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX = re.compile(r"^(?:[0-9a-f]{2})*$")


def canonical_bytes(obj: Any) -> bytes:
    """The one byte string a JSON value signs as."""
    _reject_floats(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _reject_floats(obj: Any) -> None:
    if isinstance(obj, float):
        raise PackageFormatError("manifest values may not be floats (their text form is not canonical)")
    if isinstance(obj, dict):
        for v in obj.values():
            _reject_floats(v)
    elif isinstance(obj, list):
        for v in obj:
            _reject_floats(v)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise PackageFormatError(f"manifest repeats the key {k!r}")
        out[k] = v
    return out


@dataclass(frozen=True)
class Artifact:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class HashVector:
    input: str  # hex
    digest: str  # hex


@dataclass(frozen=True)
class ScanVector:
    header: str  # hex, 80 bytes
    start_nonce: int
    count: int
    target: str  # hex, 32 bytes big-endian (as the integer is written)
    nonces: list[int]


@dataclass(frozen=True)
class Manifest:
    name: str
    algorithm: str
    version: str
    kind: str
    plugin_abi: int
    digest_size: int
    platforms: list[str]
    minimum_engine_version: str
    entry: str
    artifacts: list[Artifact]
    self_tests: list[HashVector]
    scan_tests: list[ScanVector]
    author: str
    license: str
    description: str
    created_at: str
    module: str = ""  # native: the Python extension module name
    format: str = FORMAT

    @property
    def label(self) -> str:
        return f"{self.algorithm}@{self.version}"

    @property
    def semver(self) -> Version:
        return Version.parse(self.version)

    def artifact(self, path: str) -> Artifact:
        for a in self.artifacts:
            if a.path == path:
                return a
        raise PackageFormatError(f"manifest names no artifact {path!r}")


def parse_manifest(raw: bytes) -> Manifest:
    """Parse and validate manifest bytes; they must be in canonical form."""
    try:
        data = json.loads(raw.decode("ascii"), object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, PackageFormatError):
            raise
        raise PackageFormatError(f"manifest.json is not ASCII JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PackageFormatError("manifest.json must hold a JSON object")
    manifest = _from_json(data)
    if canonical_bytes(data) != raw:
        raise PackageFormatError("manifest.json is not in canonical form (sorted keys, no whitespace)")
    return manifest


def _field(data: dict[str, Any], key: str, kind: type) -> Any:
    if key not in data:
        raise PackageFormatError(f"manifest lacks the field {key!r}")
    value = data[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise PackageFormatError(f"manifest field {key!r} must be an integer")
    if not isinstance(value, kind):
        raise PackageFormatError(f"manifest field {key!r} must be a {kind.__name__}")
    return value


def _from_json(data: dict[str, Any]) -> Manifest:
    known = {
        "format", "name", "algorithm", "version", "kind", "plugin_abi", "digest_size", "platforms",
        "minimum_engine_version", "entry", "artifacts", "self_tests", "scan_tests", "author",
        "license", "description", "created_at", "module",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise PackageFormatError(f"manifest has unknown fields: {', '.join(unknown)}")
    fmt = _field(data, "format", str)
    if fmt != FORMAT:
        raise PackageFormatError(f"unsupported package format {fmt!r} (this engine reads {FORMAT!r})")
    name = _field(data, "name", str)
    algorithm = _field(data, "algorithm", str)
    for what, value in (("name", name), ("algorithm", algorithm)):
        if not _NAME.match(value):
            raise PackageFormatError(f"manifest {what} {value!r} must be 1-50 of a-z 0-9 . _ -")
    version = _field(data, "version", str)
    try:
        Version.parse(version)
        if len(Version.parse(_field(data, "minimum_engine_version", str)).text) > 20:
            raise ValueError("minimum_engine_version may have at most 20 characters")
    except ValueError as exc:
        raise PackageFormatError(f"manifest: {exc}") from None
    # the algorithms row holds name@version in 50 characters, the version in 20
    if len(version) > 20 or len(f"{algorithm}@{version}") > 50:
        raise PackageFormatError(
            f"{algorithm}@{version} is too long: the version may have 20 characters, NAME@VERSION 50"
        )
    for key, limit in (("author", 100), ("license", 50)):
        if len(str(data.get(key, ""))) > limit:
            raise PackageFormatError(f"manifest {key} may have at most {limit} characters")
    kind = _field(data, "kind", str)
    if kind not in KINDS:
        raise PackageFormatError(f"manifest kind must be one of {', '.join(KINDS)}, not {kind!r}")
    digest_size = _field(data, "digest_size", int)
    if not 1 <= digest_size <= 64:
        raise PackageFormatError(f"digest_size must be in [1, 64], got {digest_size}")
    platforms = _field(data, "platforms", list)
    if not platforms or not all(isinstance(p, str) and p for p in platforms):
        raise PackageFormatError("manifest platforms must be a non-empty list of tags")
    artifacts = []
    for item in _field(data, "artifacts", list):
        if not isinstance(item, dict) or set(item) != {"path", "size", "sha256"}:
            raise PackageFormatError("each artifact must be {path, size, sha256}")
        path = _field(item, "path", str)
        check_entry_name(path)
        size = _field(item, "size", int)
        digest = _field(item, "sha256", str)
        if size < 0 or not _HEX64.match(digest):
            raise PackageFormatError(f"artifact {path!r}: size must be >= 0 and sha256 64 hex digits")
        artifacts.append(Artifact(path, size, digest))
    paths = [a.path for a in artifacts]
    if len(set(paths)) != len(paths):
        raise PackageFormatError("manifest lists an artifact path twice")
    entry = _field(data, "entry", str)
    if entry not in paths:
        raise PackageFormatError(f"entry {entry!r} is not one of the artifacts")
    self_tests = []
    for item in _field(data, "self_tests", list):
        if not isinstance(item, dict) or set(item) != {"input", "digest"}:
            raise PackageFormatError("each self_test must be {input, digest} in hex")
        vec = HashVector(_field(item, "input", str), _field(item, "digest", str))
        if not _HEX.match(vec.input) or not _HEX.match(vec.digest) or len(vec.digest) != 2 * digest_size:
            raise PackageFormatError("self_test input/digest must be lower-case hex, digest of digest_size bytes")
        self_tests.append(vec)
    if not self_tests:
        raise PackageFormatError("a package must carry at least one self-test vector")
    scan_tests = []
    for item in _field(data, "scan_tests", list):
        if not isinstance(item, dict) or set(item) != {"header", "start_nonce", "count", "target", "nonces"}:
            raise PackageFormatError("each scan_test must be {header, start_nonce, count, target, nonces}")
        vec = ScanVector(
            _field(item, "header", str), _field(item, "start_nonce", int), _field(item, "count", int),
            _field(item, "target", str), _field(item, "nonces", list),
        )
        if len(vec.header) != 160 or not _HEX.match(vec.header) or not _HEX64.match(vec.target):
            raise PackageFormatError("scan_test header must be 80 bytes and target 32 bytes, in hex")
        if not 0 <= vec.start_nonce < 1 << 32 or not 0 <= vec.count <= 1 << 16:
            raise PackageFormatError("scan_test start_nonce must be a u32 and count at most 65536")
        scan_tests.append(vec)
    module = data.get("module", "")
    if kind == "native":
        if not isinstance(module, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", module):
            raise PackageFormatError("a native package must name its Python extension module")
    elif "module" in data:
        raise PackageFormatError("only native packages name a module")
    return Manifest(
        name=name, algorithm=algorithm, version=version, kind=kind,
        plugin_abi=_field(data, "plugin_abi", int), digest_size=digest_size, platforms=platforms,
        minimum_engine_version=data["minimum_engine_version"], entry=entry, artifacts=artifacts,
        self_tests=self_tests, scan_tests=scan_tests, author=_field(data, "author", str),
        license=_field(data, "license", str), description=_field(data, "description", str),
        created_at=_field(data, "created_at", str), module=module, format=fmt,
    )
