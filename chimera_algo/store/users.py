"""Users, roles and sessions: argon2id passwords, TOTP MFA, hashed session tokens."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret
from sqlalchemy import Engine, delete, or_, select

from chimera_algo.store import cache as keys
from chimera_algo.store.cache import Cache
from chimera_algo.store.errors import AuthenticationError, ConstraintInfo, InvalidValueError, NotFoundError
from chimera_algo.store.records import User, UserRole, UserSession
from chimera_algo.store.repository import Repository, as_uuid, check_columns
from chimera_algo.store.schema import user_roles, user_sessions, users, utcnow

_PH = PasswordHasher()  # argon2id, library defaults (RFC 9106 "low memory" profile)
BACKUP_CODE_COUNT = 10
PROFILE_FIELDS = ("first_name", "last_name", "timezone", "language")


def hash_password(password: str) -> tuple[str, str]:
    """argon2id PHC string and the hex salt it embeds (the data model's ``salt`` column)."""
    if not isinstance(password, str) or len(password) < 8:
        raise InvalidValueError("users", "password", "password_length", "users.password must be at least 8 characters")
    salt = os.urandom(16)
    encoded = hash_secret(
        password.encode(), salt, time_cost=_PH.time_cost, memory_cost=_PH.memory_cost,
        parallelism=_PH.parallelism, hash_len=_PH.hash_len, type=Type.ID,
    ).decode()
    return encoded, salt.hex()


def _verify(encoded: str, secret: str) -> bool:
    try:
        return _PH.verify(encoded, secret)
    except (VerificationError, InvalidHashError):
        return False


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _PH.hash(secrets.token_hex(16))


def new_backup_code() -> str:
    """80 random bits as four groups of five base32 characters."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(raw[i:i + 5] for i in range(0, 20, 5))


def backup_code_hash(salt: str, code: str) -> str:
    # Backup codes carry 80 random bits, so a salted SHA-256 resists offline
    # guessing without argon2's cost (which would make checking 10 codes slow).
    normalized = code.strip().lower().replace(" ", "")
    return hashlib.sha256(f"{salt}:{normalized}".encode()).hexdigest()


def token_hash(token: str) -> str:
    """Sessions store SHA-256 of the bearer token only (tokens are 256-bit random)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class MfaEnrollment:
    """Shown to the user once: the TOTP secret, its otpauth URI and the backup codes."""

    secret: str
    provisioning_uri: str
    backup_codes: list[str]


class UserRepository(Repository):
    def __init__(self, engine: Engine, constraints: dict[str, ConstraintInfo], cache: Cache) -> None:
        super().__init__(engine, constraints)
        self.cache = cache

    # -- accounts -------------------------------------------------------------
    def create(self, username: str, email: str, password: str, **profile: Any) -> User:
        check_columns(users, profile)
        bad = set(profile) - set(PROFILE_FIELDS) - {"status", "email_verified"}
        if bad:
            raise TypeError(f"users.{', '.join(sorted(bad))} cannot be set at creation")
        encoded, salt = hash_password(password)
        return self._insert(User, dict(username=username, email=email, password_hash=encoded, salt=salt, **profile))

    def get(self, user_id: UUID | str) -> User:
        uid = as_uuid(user_id, "user id")
        return self._one(User, users.c.id == uid, what=f"with id {uid}")

    def get_by_username(self, username: str) -> User:
        return self._one(User, users.c.username == username, what=f"with username {username!r}")

    def find(self, login: str) -> User | None:
        """By username or email."""
        return self._first(User, or_(users.c.username == login, users.c.email == login))

    def update(self, user_id: UUID | str, **fields: Any) -> User:
        check_columns(users, fields, forbidden=("id", "password_hash", "salt", "mfa_secret", "mfa_backup_codes"))
        return self._update(User, as_uuid(user_id, "user id"), fields)

    def set_password(self, user_id: UUID | str, password: str) -> None:
        encoded, salt = hash_password(password)
        self._update(User, as_uuid(user_id, "user id"), {"password_hash": encoded, "salt": salt})

    def authenticate(self, login: str, password: str, otp: str | None = None) -> User:
        """Check password (and TOTP or a backup code when MFA is on); count the login."""
        user = self.find(login)
        if user is None:
            _verify(_dummy_hash(), password)  # same cost as a real check: no user enumeration by timing
            raise AuthenticationError("unknown user or wrong password")
        if not _verify(user.password_hash, password):
            raise AuthenticationError("unknown user or wrong password")
        if user.status != "active":
            raise AuthenticationError(f"account is {user.status}")
        if user.mfa_enabled:
            if not otp:
                raise AuthenticationError("MFA code required")
            if not (self.verify_totp(user, otp) or self.use_backup_code(user.id, otp)):
                raise AuthenticationError("wrong MFA code")
        return self._update(
            User, user.id, {"last_login_at": utcnow(), "login_count": (user.login_count or 0) + 1}
        )

    # -- MFA ------------------------------------------------------------------
    def enable_mfa(self, user_id: UUID | str, issuer: str = "Chimera") -> MfaEnrollment:
        user = self.get(user_id)
        secret = pyotp.random_base32()  # 32 base32 chars = 160 bits, fits VARCHAR(32)
        codes = [new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
        hashed = [backup_code_hash(user.salt, c) for c in codes]
        self._update(User, user.id, {"mfa_enabled": True, "mfa_secret": secret, "mfa_backup_codes": hashed})
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
        return MfaEnrollment(secret, uri, codes)

    def disable_mfa(self, user_id: UUID | str) -> None:
        self._update(User, as_uuid(user_id), {"mfa_enabled": False, "mfa_secret": None, "mfa_backup_codes": None})

    @staticmethod
    def verify_totp(user: User, code: str) -> bool:
        if not user.mfa_enabled or not user.mfa_secret:
            return False
        return pyotp.TOTP(user.mfa_secret).verify(code, valid_window=1)

    def use_backup_code(self, user_id: UUID | str, code: str) -> bool:
        """Consume a backup code: true once per code."""
        uid = as_uuid(user_id)
        with self.engine.begin() as conn:
            row = conn.execute(select(users.c.mfa_backup_codes).where(users.c.id == uid).with_for_update()).first()
            codes = list(row[0] or []) if row else []
            salt = conn.execute(select(users.c.salt).where(users.c.id == uid)).scalar_one_or_none() or ""
            digest = backup_code_hash(salt, code)
            for stored in codes:
                if hmac.compare_digest(stored, digest):
                    codes.remove(stored)
                    self._update(User, uid, {"mfa_backup_codes": codes}, conn=conn)
                    return True
        return False

    # -- roles ----------------------------------------------------------------
    def grant_role(
        self, user_id: UUID | str, role: str, granted_by: UUID | str | None = None, expires_at: datetime | None = None
    ) -> UserRole:
        return self._insert(
            UserRole,
            dict(user_id=as_uuid(user_id), role=role,
                 granted_by=as_uuid(granted_by) if granted_by else None, expires_at=expires_at),
        )

    def revoke_role(self, user_id: UUID | str, role: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(user_roles).where(user_roles.c.user_id == as_uuid(user_id), user_roles.c.role == role)
            )
        return result.rowcount > 0

    def roles(self, user_id: UUID | str) -> list[str]:
        now = utcnow()
        found = self._all(UserRole, user_roles.c.user_id == as_uuid(user_id), order_by=[user_roles.c.role])
        return [r.role for r in found if r.expires_at is None or r.expires_at > now]

    # -- sessions -------------------------------------------------------------
    def create_session(
        self,
        user_id: UUID | str,
        ttl: timedelta = timedelta(hours=12),
        ip_address: str | None = None,
        user_agent: str | None = None,
        mfa_verified: bool = False,
    ) -> tuple[UserSession, str]:
        """A new session and its bearer token; only the token's hash is stored."""
        if ttl <= timedelta(0):
            raise ValueError("session ttl must be positive")
        token = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        now = utcnow()
        session = self._insert(
            UserSession,
            dict(user_id=as_uuid(user_id), token_hash=token_hash(token), refresh_token_hash=token_hash(refresh),
                 ip_address=ip_address, user_agent=user_agent, created_at=now, last_used_at=now,
                 expires_at=now + ttl, is_mfa_verified=mfa_verified),
        )
        self._cache_session(session)
        return session, token

    def _cache_session(self, s: UserSession) -> None:
        remaining = int((s.expires_at - utcnow()).total_seconds())
        if remaining > 0:
            self.cache.put_hash(
                keys.session_key(s.token_hash),
                {"user_id": str(s.user_id), "expires_at": s.expires_at, "last_used_at": s.last_used_at,
                 "ip_address": s.ip_address, "mfa_verified": bool(s.is_mfa_verified)},
                ttl=remaining,
            )

    def session_for_token(self, token: str) -> UserSession:
        """The live session of ``token``; AuthenticationError if unknown, expired or revoked."""
        digest = token_hash(token)
        session = self._first(UserSession, user_sessions.c.token_hash == digest)
        if session is None or session.revoked_at is not None:
            raise AuthenticationError("unknown or revoked session")
        if session.expires_at <= utcnow():
            raise AuthenticationError("session expired")
        return session

    def cached_session(self, token: str) -> dict[str, str] | None:
        """The ``session:{token_hash}`` cache entry (fast path for request auth)."""
        return self.cache.get_hash(keys.session_key(token_hash(token)))

    def revoke_session(self, token: str) -> None:
        digest = token_hash(token)
        with self.engine.begin() as conn:
            result = conn.execute(
                user_sessions.update().where(user_sessions.c.token_hash == digest).values(revoked_at=utcnow())
            )
        self.cache.delete(keys.session_key(digest))
        if result.rowcount == 0:
            raise NotFoundError("no such session")

    def purge_expired_sessions(self) -> int:
        with self.engine.begin() as conn:
            return conn.execute(delete(user_sessions).where(user_sessions.c.expires_at < utcnow())).rowcount
