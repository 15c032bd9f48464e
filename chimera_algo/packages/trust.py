"""The trust store: publisher keys, revocation, and the k-of-n policy.

Kept as one JSON file (``$CHIMERA_HOME/trust.json``) replaced atomically.
Revoked keys stay listed so a package signed by one is refused *as revoked*,
not as unknown. Native packages need more signatures by default (2) than WASM
ones (1): native code runs unsandboxed in the pool process.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from chimera_algo.packages import home
from chimera_algo.packages.errors import (
    ManifestTamperedError,
    RevokedKeyError,
    ThresholdNotMetError,
    TrustStoreError,
    UnknownKeyError,
    UnsignedPackageError,
)
from chimera_algo.packages.signing import PublicKey

DEFAULT_POLICY = {"wasm": 1, "native": 2}


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Signature:
    key_id: str
    signature: bytes


@dataclass
class TrustedKey:
    key_id: str
    public_key: str  # hex
    name: str
    added_at: str
    revoked_at: str | None = None
    revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass
class TrustStore:
    path: Path
    keys: dict[str, TrustedKey] = field(default_factory=dict)
    policy: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    _stamp: tuple[int, int] | None = field(default=None, repr=False)  # file (mtime_ns, size) last read/written

    @classmethod
    def load(cls, path: Path | None = None) -> "TrustStore":
        path = Path(path or home.trust_store_path())
        store = cls(path)
        store._read()
        return store

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _read(self) -> None:
        stamp = self._file_stamp()
        if stamp is None:
            self.keys, self.policy, self._stamp = {}, dict(DEFAULT_POLICY), None
            return
        try:
            data = json.loads(self.path.read_text())
            keys = {k: TrustedKey(**v) for k, v in data.get("keys", {}).items()}
            policy = {**DEFAULT_POLICY, **data.get("policy", {})}
        except (OSError, ValueError, TypeError) as exc:
            raise TrustStoreError(f"trust store {self.path} is unreadable: {exc}") from None
        self.keys, self.policy, self._stamp = keys, policy, stamp

    def reload_if_changed(self) -> None:
        """Re-read the file if another process (``chimera trust ...``) changed
        it, so a running pool honours a revocation at its next load."""
        if self._file_stamp() != self._stamp and (self._stamp is not None or self.path.exists()):
            self._read()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"keys": {k: asdict(v) for k, v in sorted(self.keys.items())}, "policy": self.policy}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".trust-")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._stamp = self._file_stamp()

    # -- operator actions
    def add(self, key: PublicKey, name: str) -> TrustedKey:
        existing = self.keys.get(key.key_id)
        if existing is not None:
            if existing.revoked:
                raise TrustStoreError(f"key {key.key_id} was revoked on {existing.revoked_at}; it cannot be re-added")
            raise TrustStoreError(f"key {key.key_id} is already trusted (as {existing.name!r})")
        entry = TrustedKey(key.key_id, key.raw.hex(), name or key.key_id, utc_now())
        self.keys[key.key_id] = entry
        return entry

    def revoke(self, key_id: str, reason: str) -> TrustedKey:
        entry = self.find(key_id)
        if entry.revoked:
            raise TrustStoreError(f"key {entry.key_id} is already revoked")
        entry.revoked_at = utc_now()
        entry.revoked_reason = reason
        return entry

    def find(self, key_id_or_name: str) -> TrustedKey:
        matches = [
            k for k in self.keys.values()
            if k.key_id.startswith(key_id_or_name.lower()) or k.name == key_id_or_name
        ]
        if len(matches) != 1:
            what = "no" if not matches else "more than one"
            raise TrustStoreError(f"{what} trusted key matches {key_id_or_name!r}")
        return matches[0]

    def set_threshold(self, kind: str, k: int) -> None:
        if kind not in DEFAULT_POLICY:
            raise TrustStoreError(f"policy kind must be one of {', '.join(DEFAULT_POLICY)}, not {kind!r}")
        if k < 1:
            raise TrustStoreError("a threshold must be at least 1 signature")
        self.policy[kind] = k

    def threshold(self, kind: str) -> int:
        return self.policy.get(kind, max(DEFAULT_POLICY.values()))

    # -- verification
    def verify(self, message: bytes, signatures: list[Signature], kind: str) -> list[str]:
        """Key ids of the distinct trusted, unrevoked keys whose signatures
        over ``message`` verify; raises unless they reach the threshold."""
        need = self.threshold(kind)
        if not signatures:
            raise UnsignedPackageError(f"the package is unsigned; {kind} packages need {need} signature(s)")
        valid: list[str] = []
        revoked: list[str] = []
        unknown: list[str] = []
        for sig in signatures:
            entry = self.keys.get(sig.key_id)
            if entry is None:
                unknown.append(sig.key_id)
                continue
            if not PublicKey(bytes.fromhex(entry.public_key)).verify(message, sig.signature):
                raise ManifestTamperedError(
                    f"the signature by {entry.name} ({entry.key_id}) does not match the manifest: "
                    "the manifest was changed after signing"
                )
            if entry.revoked:
                revoked.append(f"{entry.name} ({entry.key_id}, revoked {entry.revoked_at})")
            elif entry.key_id not in valid:
                valid.append(entry.key_id)
        if len(valid) >= need:
            return valid
        if revoked:
            raise RevokedKeyError(f"signed by revoked key(s): {', '.join(revoked)}")
        if valid:
            raise ThresholdNotMetError(
                f"{len(valid)} of {need} required signatures from distinct trusted keys for a {kind} package"
            )
        raise UnknownKeyError(f"signed only by unknown key(s) {', '.join(unknown)}; add them with `chimera trust add`")
