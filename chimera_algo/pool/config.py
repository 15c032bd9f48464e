"""Pool configuration from TOML, validated with errors an operator can act on.

Each section is a dataclass; unknown keys, wrong types and out-of-range
values are reported as ``ConfigError("[section] key: what is wrong")``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from chimera_algo.pool.address import AddressError, output_script


class ConfigError(ValueError):
    """The configuration cannot be used; the message says where and why."""


@dataclass
class PoolSection:
    name: str = "chimera"
    coin: str = "bitcoin"  # bitcoin | litecoin
    network: str = "regtest"  # main | test | regtest
    algorithm: str = "sha256d"
    payout_address: str = ""
    payout_script: str = ""  # hex scriptPubKey, alternative to payout_address
    pool_tag: str = "/chimera/"
    fee_percent: float = 1.0
    payout_method: str = "PPLNS"
    instance_id: int = 0  # first byte of every extranonce1: unique per pool process


@dataclass
class StratumSection:
    host: str = "127.0.0.1"
    port: int = 3333
    tls_port: int = 0  # with tls_cert: TLS listener (0 = any free port)
    tls_cert: str = ""
    tls_key: str = ""
    extranonce2_size: int = 4
    max_line_bytes: int = 16384
    idle_timeout: float = 600.0
    handshake_timeout: float = 30.0
    max_connections: int = 20000
    max_connections_per_ip: int = 256
    max_submits_per_second: float = 100.0
    ban_invalid_ratio: float = 0.5
    ban_min_shares: int = 20
    ban_seconds: float = 600.0
    version_mask: str = "1fffe000"
    job_refresh: float = 30.0
    authorize: str = "any"  # any | known


@dataclass
class DifficultySection:
    initial: float = 1.0
    min: float = 0.001
    max: float = 1e12
    vardiff: bool = True
    target_interval: float = 10.0
    retarget_window: float = 60.0
    variance: float = 0.3


@dataclass
class NodeSection:
    kind: str = "simnet"  # simnet | rpc
    url: str = ""
    user: str = ""
    password: str = ""
    cookie_file: str = ""
    rules: list[str] = field(default_factory=list)  # default by coin
    poll_interval: float = 0.5
    confirmations: int = 6  # until a found block counts as confirmed
    timeout: float = 30.0


@dataclass
class SimnetSection:
    block_time: float = 60.0
    difficulty: float = 0.01  # network difficulty in share units
    transactions: int = 3
    block_reward: int = 50 * 100_000_000


@dataclass
class StoreSection:
    url: str = ""  # empty: chimera_algo.store's default (embedded SQLite); "memory": keep nothing


@dataclass
class PoolConfig:
    pool: PoolSection = field(default_factory=PoolSection)
    stratum: StratumSection = field(default_factory=StratumSection)
    difficulty: DifficultySection = field(default_factory=DifficultySection)
    node: NodeSection = field(default_factory=NodeSection)
    simnet: SimnetSection = field(default_factory=SimnetSection)
    store: StoreSection = field(default_factory=StoreSection)

    @property
    def address_network(self) -> str:
        return f"{self.pool.coin}-{self.pool.network}"

    @property
    def payout_script_bytes(self) -> bytes:
        if self.pool.payout_script:
            return bytes.fromhex(self.pool.payout_script)
        if not self.pool.payout_address:
            return b"\x51"  # OP_TRUE: a simnet without a payout address
        return output_script(self.pool.payout_address, self.address_network)

    @property
    def version_mask_int(self) -> int:
        return int(self.stratum.version_mask, 16)

    @property
    def gbt_rules(self) -> list[str]:
        if self.node.rules:
            return self.node.rules
        return ["mweb", "segwit"] if self.pool.coin == "litecoin" else ["segwit"]


def _coerce(section: str, key: str, value: Any, kind: Any) -> Any:
    where = f"[{section}] {key}"
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):  # list[str]
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return value


def _section(name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{name}] must be a table")
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"[{name}] unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
    return cls(**{k: _coerce(name, k, v, hints[k]) for k, v in raw.items()})


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def validate(cfg: PoolConfig) -> PoolConfig:
    """Cross-field and range checks; returns ``cfg``."""
    from chimera_algo.registry import algorithms

    p, s, d, n, sim = cfg.pool, cfg.stratum, cfg.difficulty, cfg.node, cfg.simnet
    _require(p.coin in ("bitcoin", "litecoin"), f"[pool] coin: expected bitcoin or litecoin, got {p.coin!r}")
    _require(p.network in ("main", "test", "regtest"), f"[pool] network: expected main, test or regtest, got {p.network!r}")
    _require(
        p.algorithm in algorithms(),
        f"[pool] algorithm: unknown algorithm {p.algorithm!r}; available: {', '.join(algorithms())}",
    )
    _require(0 <= p.instance_id <= 255, f"[pool] instance_id: must be 0..255, got {p.instance_id}")
    _require(0 <= p.fee_percent < 100, f"[pool] fee_percent: must be in [0, 100), got {p.fee_percent}")
    _require(p.payout_method in ("PPS", "PPLNS", "PROP"), f"[pool] payout_method: expected PPS, PPLNS or PROP, got {p.payout_method!r}")
    _require(len(p.pool_tag.encode()) <= 40, "[pool] pool_tag: at most 40 bytes")
    if p.payout_script:
        try:
            bytes.fromhex(p.payout_script)
        except ValueError:
            raise ConfigError(f"[pool] payout_script: not hex: {p.payout_script!r}") from None
    elif p.payout_address:
        try:
            output_script(p.payout_address, cfg.address_network)
        except AddressError as exc:
            raise ConfigError(f"[pool] payout_address: {exc}") from None
    elif n.kind != "simnet":
        raise ConfigError("[pool] payout_address is required when mining on a real node")
    for key in ("port", "tls_port"):
        port = getattr(s, key)
        _require(0 <= port <= 65535, f"[stratum] {key}: must be 0..65535, got {port}")
    _require(not s.tls_port or bool(s.tls_cert), "[stratum] tls_port needs tls_cert (and tls_key unless the cert file holds it)")
    _require(4 <= s.extranonce2_size <= 8, f"[stratum] extranonce2_size: must be 4..8, got {s.extranonce2_size}")
    _require(256 <= s.max_line_bytes <= 1 << 20, f"[stratum] max_line_bytes: must be 256..1048576, got {s.max_line_bytes}")
    for key in ("idle_timeout", "handshake_timeout", "max_submits_per_second", "job_refresh", "ban_seconds"):
        _require(getattr(s, key) > 0, f"[stratum] {key}: must be > 0")
    _require(s.max_connections_per_ip >= 1 and s.max_connections >= 1, "[stratum] connection limits must be >= 1")
    _require(0 < s.ban_invalid_ratio <= 1, f"[stratum] ban_invalid_ratio: must be in (0, 1], got {s.ban_invalid_ratio}")
    try:
        mask = int(s.version_mask, 16)
    except ValueError:
        raise ConfigError(f"[stratum] version_mask: not hex: {s.version_mask!r}") from None
    _require(0 <= mask < 1 << 32 and not mask & 0xE0000000, "[stratum] version_mask: must fit in bits 0..28 (BIP310/BIP9)")
    _require(s.authorize in ("any", "known"), f"[stratum] authorize: expected any or known, got {s.authorize!r}")
    _require(0 < d.min <= d.initial <= d.max, f"[difficulty] need 0 < min <= initial <= max, got {d.min}, {d.initial}, {d.max}")
    _require(d.target_interval > 0 and d.retarget_window > 0, "[difficulty] target_interval and retarget_window must be > 0")
    _require(0 < d.variance < 1, f"[difficulty] variance: must be in (0, 1), got {d.variance}")
    _require(n.kind in ("simnet", "rpc"), f"[node] kind: expected simnet or rpc, got {n.kind!r}")
    if n.kind == "rpc":
        _require(n.url.startswith(("http://", "https://")), f"[node] url: expected http://HOST:PORT, got {n.url!r}")
        _require(bool(n.user) or bool(n.cookie_file), "[node] set user/password or cookie_file for the node's RPC")
    _require(n.poll_interval > 0 and n.timeout > 0 and n.confirmations >= 1, "[node] poll_interval, timeout > 0; confirmations >= 1")
    _require(sim.block_time > 0 and sim.difficulty > 0, "[simnet] block_time and difficulty must be > 0")
    _require(0 <= sim.transactions <= 1000 and sim.block_reward >= 0, "[simnet] transactions 0..1000, block_reward >= 0")
    return cfg


def from_dict(raw: dict) -> PoolConfig:
    sections = {f.name: f for f in dataclasses.fields(PoolConfig)}
    unknown = sorted(set(raw) - set(sections))
    if unknown:
        raise ConfigError(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(sections)}")
    hints = get_type_hints(PoolConfig)
    built = {name: _section(name, hints[name], raw[name]) for name in raw}
    return validate(PoolConfig(**built))


def load(path: str | Path) -> PoolConfig:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        return from_dict(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def as_dict(cfg: PoolConfig) -> dict:
    """The configuration as plain data (mirrored into pool_configurations)."""
    return dataclasses.asdict(cfg)

