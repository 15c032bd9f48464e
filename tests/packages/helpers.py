"""Helpers for the package tests: paths, and validly signed package variants."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from chimera_algo.packages.container import write_package
from chimera_algo.packages.manifest import canonical_bytes
from chimera_algo.packages.signing import PrivateKey
from chimera_algo.packages.trust import Signature
from chimera_algo.packages.wasm import SandboxLimits

REPO = Path(__file__).resolve().parents[2]
PLUGINS = REPO / "plugins"
# Small fuel budget: an endless loop in a test stops in well under a second.
TEST_SANDBOX = SandboxLimits(fuel_per_call=100_000_000)


@dataclass
class PackageParts:
    manifest: dict[str, Any]
    artifacts: dict[str, bytes]


def read_parts(path: Path) -> PackageParts:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        artifacts = {n: zf.read(n) for n in zf.namelist() if n not in ("manifest.json", "signatures.json")}
    return PackageParts(manifest, artifacts)


def repack(
    base: Path,
    dest: Path,
    signers: list[PrivateKey],
    *,
    manifest: Callable[[dict[str, Any]], None] | None = None,
    artifact: bytes | None = None,
) -> Path:
    """A validly signed variant of ``base``: edit the manifest and/or swap the
    entry artifact (its size and sha256 are updated), then sign."""
    parts = read_parts(base)
    m = parts.manifest
    if artifact is not None:
        entry = m["entry"]
        parts.artifacts[entry] = artifact
        for a in m["artifacts"]:
            if a["path"] == entry:
                a["size"], a["sha256"] = len(artifact), hashlib.sha256(artifact).hexdigest()
    if manifest is not None:
        manifest(m)
    raw = canonical_bytes(m)
    write_package(dest, raw, [Signature(k.public.key_id, k.sign(raw)) for k in signers], parts.artifacts)
    return dest
