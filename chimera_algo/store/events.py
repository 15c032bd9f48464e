"""Publish/subscribe between pool processes: "new job" and "migration changed".

``RedisEventBus`` uses Redis pub/sub so several processes sharing one database
and one Redis see each other's events; ``MemoryEventBus`` delivers within one
process. Payloads are JSON objects; handlers run on a background thread, one
event at a time per subscription, and an exception in a handler is logged,
not propagated.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from typing import Any, Callable

from chimera_algo.store.errors import StoreUnavailableError

log = logging.getLogger("chimera.store.events")

NEW_JOB = "chimera:new_job"
MIGRATION_CHANGED = "chimera:migration_changed"

Handler = Callable[[str, dict[str, Any]], None]


def _encode(channel: str, payload: dict[str, Any]) -> str:
    if not isinstance(channel, str) or not channel:
        raise ValueError("channel must be a non-empty string")
    if not isinstance(payload, dict):
        raise TypeError(f"event payload must be a dict, got {type(payload).__name__}")
    return json.dumps(payload, default=str, separators=(",", ":"))


def _call(handler: Handler, channel: str, payload: dict[str, Any]) -> None:
    try:
        handler(channel, payload)
    except Exception:  # a subscriber's bug must not stop delivery to the others
        log.exception("event handler for %s failed", channel)


class Subscription(ABC):
    @abstractmethod
    def close(self) -> None:
        """Stop receiving; idempotent."""


class EventBus(ABC):
    @abstractmethod
    def publish(self, channel: str, payload: dict[str, Any]) -> None: ...

    @abstractmethod
    def subscribe(self, channel: str, handler: Handler) -> Subscription:
        """Deliver every later ``publish`` on ``channel`` to ``handler(channel, payload)``."""

    def close(self) -> None:
        pass


class _MemorySubscription(Subscription):
    def __init__(self, bus: "MemoryEventBus", channel: str, handler: Handler) -> None:
        self.bus, self.channel, self.handler = bus, channel, handler
        self.inbox: queue.SimpleQueue[tuple[str, dict[str, Any]] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=f"events:{channel}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.inbox.get()) is not None:
            _call(self.handler, *item)

    def close(self) -> None:
        if self.bus._remove(self):
            self.inbox.put(None)


class MemoryEventBus(EventBus):
    """Delivers events to subscribers in this process."""

    def __init__(self) -> None:
        self._subs: list[_MemorySubscription] = []
        self._lock = threading.Lock()

    def publish(self, channel: str, payload: dict[str, Any]) -> None:
        decoded = json.loads(_encode(channel, payload))  # same JSON round trip as Redis
        with self._lock:
            targets = [s for s in self._subs if s.channel == channel]
        for sub in targets:
            sub.inbox.put((channel, json.loads(json.dumps(decoded))))

    def subscribe(self, channel: str, handler: Handler) -> Subscription:
        _encode(channel, {})
        sub = _MemorySubscription(self, channel, handler)
        with self._lock:
            self._subs.append(sub)
        return sub

    def _remove(self, sub: _MemorySubscription) -> bool:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
                return True
            return False

    def close(self) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.close()


class _RedisSubscription(Subscription):
    def __init__(self, pubsub: Any, thread: Any) -> None:
        self._pubsub, self._thread = pubsub, thread
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._thread.stop()
        self._thread.join(timeout=2)
        self._pubsub.close()


class RedisEventBus(EventBus):
    """Redis pub/sub: events cross process boundaries."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=2)
        self._errors = redis.RedisError
        self._subs: list[_RedisSubscription] = []

    def publish(self, channel: str, payload: dict[str, Any]) -> None:
        message = _encode(channel, payload)
        try:
            self._redis.publish(channel, message)
        except self._errors as exc:
            raise StoreUnavailableError(f"cannot publish {channel} to Redis: {exc}") from exc

    def subscribe(self, channel: str, handler: Handler) -> Subscription:
        _encode(channel, {})

        def on_message(message: dict[str, Any]) -> None:
            try:
                payload = json.loads(message["data"])
            except (TypeError, ValueError):
                log.warning("ignoring non-JSON event on %s", channel)
                return
            _call(handler, channel, payload)

        pubsub = self._redis.pubsub(ignore_subscribe_messages=False)
        try:
            pubsub.subscribe(**{channel: on_message})
            # Wait for the server's confirmation so that a publish made right
            # after subscribe() returns is delivered.
            for _ in range(50):
                confirmation = pubsub.get_message(timeout=0.1)
                if confirmation and confirmation["type"] == "subscribe":
                    break
            else:
                raise StoreUnavailableError(f"Redis did not confirm the subscription to {channel}")
        except self._errors as exc:
            pubsub.close()
            raise StoreUnavailableError(f"cannot subscribe to {channel} on Redis: {exc}") from exc
        thread = pubsub.run_in_thread(sleep_time=0.05, daemon=True, exception_handler=self._on_listener_error)
        sub = _RedisSubscription(pubsub, thread)
        self._subs.append(sub)
        return sub

    @staticmethod
    def _on_listener_error(error: BaseException, pubsub: Any, thread: Any) -> None:
        # Keep listening: redis-py reconnects and re-subscribes on the next read.
        log.warning("Redis subscription interrupted (%s); reconnecting", error)
        time.sleep(0.5)

    def close(self) -> None:
        for sub in self._subs:
            sub.close()
        self._subs.clear()
        self._redis.close()
