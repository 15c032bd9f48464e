"""Ed25519 publisher keys and manifest signatures (pycryptodome, RFC 8032).

A signature covers ``DOMAIN + canonical manifest bytes``; the domain prefix
keeps a package signature from being valid for any other message the same key
signs.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

from chimera_algo.packages.errors import KeyFileError

DOMAIN = b"chimera-package-manifest/v1\x00"
PUBLIC_PREFIX = "chimera-ed25519"
_PROTECTION = "PBKDF2WithHMAC-SHA512AndAES256-CBC"


def key_id_of(public_raw: bytes) -> str:
    """Short, stable id of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    raw: bytes  # 32 bytes

    @property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    @classmethod
    def from_hex(cls, text: str) -> "PublicKey":
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise KeyFileError(f"public key must be 64 hex digits, got {text.strip()[:80]!r}") from None
        if len(raw) != 32:
            raise KeyFileError(f"an Ed25519 public key is 32 bytes, got {len(raw)}")
        try:
            eddsa.import_public_key(raw)
        except ValueError:
            raise KeyFileError("those 32 bytes are not a valid Ed25519 public key") from None
        return cls(raw)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            eddsa.new(eddsa.import_public_key(self.raw), "rfc8032").verify(DOMAIN + message, signature)
            return True
        except ValueError:
            return False

    def to_line(self, comment: str = "") -> str:
        return f"{PUBLIC_PREFIX} {self.raw.hex()} {comment}".rstrip() + "\n"


@dataclass(frozen=True)
class PrivateKey:
    key: ECC.EccKey

    @classmethod
    def generate(cls) -> "PrivateKey":
        return cls(ECC.generate(curve="ed25519"))

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.key.public_key().export_key(format="raw"))

    def sign(self, message: bytes) -> bytes:
        return eddsa.new(self.key, "rfc8032").sign(DOMAIN + message)

    def to_pem(self, passphrase: str | None = None) -> str:
        if passphrase:
            return self.key.export_key(format="PEM", passphrase=passphrase, protection=_PROTECTION)
        return self.key.export_key(format="PEM")


def save_keypair(key: PrivateKey, path: Path, comment: str = "", passphrase: str | None = None) -> Path:
    """Write the private key (PEM, mode 0600) to ``path`` and the public key
    to ``path.pub``; refuses to overwrite. Returns the public key path."""
    pub_path = path.with_name(path.name + ".pub")
    for p in (path, pub_path):
        if p.exists():
            raise KeyFileError(f"{p} already exists; refusing to overwrite a key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.to_pem(passphrase))
    pub_path.write_text(key.public.to_line(comment))
    return pub_path


def load_private_key(path: Path, passphrase: str | None = None) -> PrivateKey:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise KeyFileError(f"cannot read private key {path}: {exc.strerror}") from None
    try:
        key = ECC.import_key(text, passphrase=passphrase)
    except (ValueError, IndexError, TypeError):
        raise KeyFileError(f"{path} is not an Ed25519 private key (or the passphrase is wrong)") from None
    if key.curve != "Ed25519" or not key.has_private():
        raise KeyFileError(f"{path} is not an Ed25519 private key")
    return PrivateKey(key)


def load_public_key(text_or_path: str) -> tuple[PublicKey, str]:
    """A public key from a ``.pub`` file, its line, or bare hex; returns (key, comment)."""
    text = text_or_path
    candidate = Path(text_or_path)
    if len(text_or_path) < 4096 and candidate.is_file():
        text = candidate.read_text()
    parts = text.strip().split(None, 2)
    if not parts:
        raise KeyFileError("empty public key")
    if parts[0] == PUBLIC_PREFIX:
        if len(parts) < 2:
            raise KeyFileError("public key line lacks the key")
        return PublicKey.from_hex(parts[1]), parts[2] if len(parts) > 2 else ""
    return PublicKey.from_hex(parts[0]), ""
