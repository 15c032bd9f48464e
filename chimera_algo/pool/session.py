"""One miner connection: line framing, limits and the Stratum methods.

Built on ``asyncio.Protocol`` (no task per connection) so ten thousand idle
connections cost little; each complete line is handled synchronously in
``data_received`` and all answers to one read go out in one write.
"""

from __future__ import annotations

import json
import logging
import re
import time
from json.scanner import make_scanner
from typing import TYPE_CHECKING, Any

from chimera_algo.pool import errors
from chimera_algo.pool.errors import StratumError
from chimera_algo.pool.shares import Submission
from chimera_algo.pool.vardiff import Vardiff

if TYPE_CHECKING:
    from chimera_algo.pool.jobs import Job
    from chimera_algo.pool.server import StratumServer

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_WORKER_RE = re.compile(r"^[A-Za-z0-9_\-]{1,100}(\.[A-Za-z0-9_\-]{1,100})?$")
MAX_WRITE_BUFFER = 1 << 20  # a reader this far behind is dropped
KEEP_JOB_DIFFICULTIES = 32
MAX_WORKERS_PER_CONNECTION = 64  # each new worker is a miners row: bound what one socket can create
log = logging.getLogger(__name__)
_scan_json = make_scanner(json.JSONDecoder())


def decode_line(line: bytes) -> Any:
    """``json.loads(line)``, minus its encoding detection and wrapper calls
    in the common case (UTF-8, no leading whitespace); anything else goes
    to ``json.loads`` itself, so results and errors are the same."""
    try:
        text = line.decode()
        message, end = _scan_json(text, 0)
    except (UnicodeDecodeError, StopIteration):
        return json.loads(line)
    if end != len(text) and text[end:].strip(" \t\n\r"):
        return json.loads(line)  # raises: extra data after the object
    return message


class StratumSession:
    __slots__ = (
        "server", "transport", "ip", "port", "session_id", "buffer", "connected_at", "last_message_at",
        "subscribed", "extranonce1", "extranonce_subscribed", "workers", "user_agent", "version_mask",
        "difficulty", "share_target", "job_difficulty", "vardiff", "tokens", "tokens_at",
        "accepted", "rejected", "closed", "close_reason", "out",
    )

    def __init__(self, server: StratumServer):
        self.server = server
        self.transport: Any = None
        self.ip = ""
        self.port = 0
        self.session_id = ""
        self.buffer = bytearray()
        now = time.monotonic()
        self.connected_at = now
        self.last_message_at = now
        self.subscribed = False
        self.extranonce1 = b""
        self.extranonce_subscribed = False
        self.workers: dict[str, str] = {}  # authorized "user.worker" -> miner id
        self.user_agent = ""
        self.version_mask = 0
        self.difficulty = server.config.difficulty.initial  # for the next job sent
        self.share_target = server.target_for(self.difficulty)
        self.job_difficulty: dict[str, float] = {}  # job id -> difficulty it was sent with
        self.vardiff: Vardiff | None = None
        self.tokens = server.config.stratum.max_submits_per_second
        self.tokens_at = now
        self.accepted = 0
        self.rejected = 0
        self.closed = False
        self.close_reason = ""
        self.out: list[bytes] | None = None  # answers batched during one read

    # --- asyncio.Protocol ---------------------------------------------------

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.ip, self.port = peer[0], peer[1]
        refusal = self.server.admit(self)
        if refusal:
            self.closed = True
            self.close_reason = refusal
            transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.close_reason:
            self.close_reason = "client closed" if exc is None else f"connection error: {exc}"
        self.closed = True
        self.server.release(self)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        buf = self.buffer
        buf += data
        limit = self.server.config.stratum.max_line_bytes
        if b"\n" not in data:
            if len(buf) > limit:
                self._line_too_long(limit)
            return
        *lines, rest = buf.split(b"\n")
        self.buffer = bytearray(rest)
        now = time.monotonic()  # one clock reading per read, for idle timeout and submit rate
        self.out = []
        try:
            for line in lines:
                if len(line) > limit:
                    self._line_too_long(limit)
                    return
                if line and not line.isspace():
                    self.last_message_at = now
                    self.handle_line(line)
                    if self.closed:
                        return
            if len(rest) > limit:
                self._line_too_long(limit)
        finally:
            self._flush()

    def _line_too_long(self, limit: int) -> None:
        self._error_reply(None, StratumError(errors.OTHER, f"line longer than {limit} bytes"))
        self.close("line too long")

    def eof_received(self) -> bool:
        return False

    # --- output ---------------------------------------------------------------

    def _send(self, message: dict) -> None:
        payload = _dumps(message).encode() + b"\n"
        if self.out is not None:
            self.out.append(payload)
        elif not self.closed:
            self._write(payload)

    def _flush(self) -> None:
        out, self.out = self.out, None
        if out and not self.closed:
            self._write(b"".join(out))

    def _write(self, payload: bytes) -> None:
        self.transport.write(payload)
        if self.transport.get_write_buffer_size() > MAX_WRITE_BUFFER:
            self.close("not reading its socket")

    def _reply(self, msg_id: Any, result: Any) -> None:
        if result is True and type(msg_id) is int:  # the accepted-share answer, built directly
            payload = b'{"id":%d,"result":true,"error":null}\n' % msg_id
            if self.out is not None:
                self.out.append(payload)
            elif not self.closed:
                self._write(payload)
            return
        self._send({"id": msg_id, "result": result, "error": None})

    def _error_reply(self, msg_id: Any, error: StratumError) -> None:
        self._send({"id": msg_id, "result": None, "error": error.to_json()})

    def notify(self, method: str, params: list) -> None:
        self._send({"id": None, "method": method, "params": params})

    def close(self, reason: str) -> None:
        """Close after writing what is queued."""
        if self.closed:
            return
        self.close_reason = reason
        out, self.out = self.out, None
        if out:
            self.transport.write(b"".join(out))
        self.closed = True
        self.transport.close()

    # --- dispatch ---------------------------------------------------------------

    def handle_line(self, line: bytes) -> None:
        try:
            message = decode_line(line)
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[..." nesting
            self._error_reply(None, StratumError(errors.OTHER, "malformed JSON"))
            self.server.note_garbage(self)
            return
        if not isinstance(message, dict):
            self._error_reply(None, StratumError(errors.OTHER, "expected a JSON object"))
            return
        msg_id = message.get("id")
        method = message.get("method")
        params = message.get("params", [])
        if method is None and ("result" in message or "error" in message):
            return  # a miner's answer to one of our notifications
        if not isinstance(method, str):
            self._error_reply(msg_id, StratumError(errors.OTHER, "missing method"))
            return
        if not isinstance(params, (list, dict)):
            self._error_reply(msg_id, StratumError(errors.OTHER, "params must be a list"))
            return
        handler = _HANDLERS.get(method)
        if handler is None:
            self._error_reply(msg_id, StratumError(errors.OTHER, f"unknown method {method[:64]!r}"))
            return
        try:
            result = handler(self, params)
        except StratumError as exc:
            self._error_reply(msg_id, exc)
            return
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            self._error_reply(msg_id, StratumError(errors.OTHER, f"bad params for {method}: {exc}"))
            return
        except Exception:  # a bug must cost one answer, not the connection or the pool
            log.exception("%s from %s:%d failed", method, self.ip, self.port)
            self._error_reply(msg_id, StratumError(errors.OTHER, "internal error"))
            return
        self._reply(msg_id, result)
        after = _AFTER.get(method)
        if after is not None:
            after(self)

    # --- methods ------------------------------------------------------------------

    def m_subscribe(self, params: list) -> list:
        if params and isinstance(params, list) and isinstance(params[0], str):
            self.user_agent = params[0][:100]
        if not self.subscribed:
            self.extranonce1 = self.server.allocate_extranonce1()
            self.subscribed = True
        sub_id = self.session_id
        return [
            [["mining.set_difficulty", sub_id], ["mining.notify", sub_id]],
            self.extranonce1.hex(),
            self.server.config.stratum.extranonce2_size,
        ]

    def m_authorize(self, params: list) -> bool:
        if not params or not isinstance(params[0], str):
            raise StratumError(errors.UNAUTHORIZED, "authorize needs a username.worker")
        name = params[0]
        if not _WORKER_RE.match(name):
            raise StratumError(errors.UNAUTHORIZED, f"invalid worker name {name[:64]!r} (expected username.worker)")
        if name not in self.workers and len(self.workers) >= MAX_WORKERS_PER_CONNECTION:
            raise StratumError(errors.UNAUTHORIZED, f"at most {MAX_WORKERS_PER_CONNECTION} workers per connection")
        user, _, worker = name.partition(".")
        miner_id = self.server.miner_id(self, user, worker or "default")
        if miner_id is None:
            raise StratumError(errors.UNAUTHORIZED, f"unknown user {user!r}")
        first = not self.workers
        self.workers[name] = miner_id
        if first:
            self.server.connection_authorized(self, miner_id)
        return True

    def after_authorize(self) -> None:
        if self.subscribed and len(self.workers) == 1 and not self.job_difficulty:
            self.start_mining()

    def after_subscribe(self) -> None:
        if self.workers and not self.job_difficulty:
            self.start_mining()

    def start_mining(self) -> None:
        cfg = self.server.config.difficulty
        if cfg.vardiff:
            self.vardiff = Vardiff(self.server.vardiff_settings, time.monotonic())
        self.notify("mining.set_difficulty", [self.difficulty])
        job = self.server.jobs.current
        if job is not None:
            self.send_job(job, force_clean=True)

    def m_configure(self, params: list) -> dict:
        extensions, options = params[0], params[1] if len(params) > 1 else {}
        if not isinstance(extensions, list) or not isinstance(options, dict):
            raise StratumError(errors.OTHER, "configure expects [extensions, parameters]")
        result: dict[str, Any] = {}
        for ext in extensions:
            if ext == "version-rolling":
                miner_mask = int(str(options.get("version-rolling.mask", "ffffffff")), 16)
                self.version_mask = self.server.config.version_mask_int & miner_mask
                result["version-rolling"] = True
                result["version-rolling.mask"] = f"{self.version_mask:08x}"
            else:
                result[str(ext)] = False
        return result

    def m_suggest_difficulty(self, params: list) -> bool:
        value = params[0]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise StratumError(errors.OTHER, "suggested difficulty must be a positive number")
        cfg = self.server.config.difficulty
        self.set_difficulty(max(cfg.min, min(cfg.max, float(value))))
        return True

    def m_extranonce_subscribe(self, params: list) -> bool:
        self.extranonce_subscribed = True
        return True

    def m_submit(self, params: list) -> bool:
        if not self.subscribed:
            raise StratumError(errors.NOT_SUBSCRIBED, "not subscribed")
        if len(params) < 5:
            raise StratumError(errors.OTHER, "submit expects [worker, job_id, extranonce2, ntime, nonce(, version_bits)]")
        worker = params[0]
        miner_id = self.workers.get(worker) if isinstance(worker, str) else None
        if miner_id is None:
            raise StratumError(errors.UNAUTHORIZED, "unauthorized worker")
        now = self.last_message_at  # this read's arrival time: no refill between lines of one read
        if now != self.tokens_at:
            rate = self.server.config.stratum.max_submits_per_second
            self.tokens = min(2 * rate, self.tokens + (now - self.tokens_at) * rate)
            self.tokens_at = now
        if self.tokens < 1:
            raise StratumError(errors.OTHER, "too many submissions; slow down")
        self.tokens -= 1
        sub = Submission(
            worker, str(params[1]), params[2], params[3], params[4], params[5] if len(params) > 5 else None
        )
        return self.server.submit(self, miner_id, sub)

    # --- jobs and difficulty --------------------------------------------------------

    def set_difficulty(self, difficulty: float) -> None:
        """Announce ``difficulty``; it applies from the next job on (before the
        first job, at once)."""
        if difficulty == self.difficulty:
            return
        self.difficulty = difficulty
        if not self.job_difficulty:
            self.share_target = self.server.target_for(difficulty)
        if self.workers and self.subscribed:
            self.notify("mining.set_difficulty", [difficulty])

    def send_job(self, job: Job, force_clean: bool = False) -> None:
        jd = self.job_difficulty
        if job.clean:
            jd.clear()
        jd[job.job_id] = self.difficulty
        while len(jd) > KEEP_JOB_DIFFICULTIES:
            del jd[next(iter(jd))]
        self.share_target = self.server.target_for(self.difficulty)
        params = job.notify_params
        if force_clean and not params[-1]:
            params = params[:-1] + [True]
        self.notify("mining.notify", params)

    def set_extranonce(self, extranonce1: bytes) -> None:
        self.extranonce1 = extranonce1
        self.notify("mining.set_extranonce", [extranonce1.hex(), self.server.config.stratum.extranonce2_size])


_HANDLERS = {
    "mining.subscribe": StratumSession.m_subscribe,
    "mining.authorize": StratumSession.m_authorize,
    "mining.configure": StratumSession.m_configure,
    "mining.suggest_difficulty": StratumSession.m_suggest_difficulty,
    "mining.extranonce.subscribe": StratumSession.m_extranonce_subscribe,
    "mining.submit": StratumSession.m_submit,
}
_AFTER = {
    "mining.authorize": StratumSession.after_authorize,
    "mining.subscribe": StratumSession.after_subscribe,
}
