"""The Stratum server over real sockets: the methods, and abuse answered
with the right error while a well-behaved miner keeps getting its shares
accepted."""

from __future__ import annotations

import asyncio
import json

import pytest

from chimera_algo.pool.persistence import MemorySink
from chimera_algo.pool.serialize import sha256d
from chimera_algo.pool.session import MAX_WORKERS_PER_CONNECTION
from pool_stratum_client import Client, start_pool, pool_config
from service_guard import require_service


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def assert_still_mining(client: Client, en2: int) -> None:
    answer = await client.call("mining.submit", client.share(en2))
    assert answer["error"] is None and answer["result"] is True, answer


def test_subscribe_authorize_notify_submit():
    async def scenario():
        sink = MemorySink()
        server = await start_pool(sink=sink)
        try:
            c = await Client.connect(server.port)
            answer = await c.call("mining.subscribe", ["cgminer/4.11"])
            subs, en1, size = answer["result"]
            assert [s[0] for s in subs] == ["mining.set_difficulty", "mining.notify"]
            assert len(bytes.fromhex(en1)) == 4 and bytes.fromhex(en1)[0] == 0  # instance prefix
            assert size == 4
            await c.call("mining.authorize", ["alice.rig1", "x"])
            while c.job is None:
                await c.read()
            assert c.difficulty == 1e-12
            job = c.job
            assert len(job) == 9 and job[8] is True  # first job is clean
            assert len(job[4]) == 2  # 3 synthetic txs + coinbase: 2 branch levels
            # Real miners send every submit with the same id.
            for en2 in range(3):
                answer = await c.call("mining.submit", c.share(en2), msg_id=7)
                assert answer == {"id": 7, "result": True, "error": None}
            assert server.stats.accepted == 3
            record = sink.shares[-1]
            assert record.is_valid and record.job_id == job[0] and record.extranonce1 == en1
            assert sink.connections and next(iter(sink.connections.values()))["status"] == "active"
        finally:
            await server.stop()

    run(scenario())


def test_extranonce1_unique_per_connection():
    async def scenario():
        server = await start_pool()
        try:
            clients = [await Client.connect(server.port) for _ in range(50)]
            en1s = {(await c.call("mining.subscribe", []))["result"][1] for c in clients}
            assert len(en1s) == 50
        finally:
            await server.stop()

    run(scenario())


def test_version_rolling_configure_and_mask_enforced():
    async def scenario():
        server = await start_pool()
        try:
            c = await Client.connect(server.port)
            answer = await c.call(
                "mining.configure",
                [["version-rolling", "minimum-difficulty"], {"version-rolling.mask": "1fffffff"}],
            )
            assert answer["result"] == {
                "version-rolling": True, "version-rolling.mask": "1fffe000", "minimum-difficulty": False,
            }
            await c.handshake()
            params = c.share(0) + ["00004000"]
            assert (await c.call("mining.submit", params))["result"] is True
            bad = c.share(1) + ["00001000"]
            answer = await c.call("mining.submit", bad)
            assert answer["error"][0] == 20 and "mask" in answer["error"][1]
        finally:
            await server.stop()

    run(scenario())


def test_submit_errors_have_standard_codes():
    async def scenario():
        server = await start_pool()
        try:
            c = await Client.connect(server.port)
            answer = await c.call("mining.submit", ["alice.rig1", "x", "00000000", "00000000", "00000000"])
            assert answer["error"][0] == 25  # not subscribed
            await c.call("mining.subscribe", [])
            answer = await c.call("mining.submit", ["alice.rig1", "x", "00000000", "00000000", "00000000"])
            assert answer["error"][0] == 24  # not authorized
            await c.call("mining.authorize", ["alice.rig1", "x"])
            while c.job is None:
                await c.read()
            share = c.share(1)
            assert (await c.call("mining.submit", share))["result"] is True
            assert (await c.call("mining.submit", share))["error"][:2] == [22, "duplicate share"]
            wrong_en2 = c.share(2)
            wrong_en2[2] = "00"
            assert (await c.call("mining.submit", wrong_en2))["error"][0] == 20
            far = c.share(3)
            far[3] = f"{int(far[3], 16) + 8000:08x}"
            answer = await c.call("mining.submit", far)
            assert answer["error"] == [20, "ntime out of range", None]
            assert (await c.call("mining.submit", ["alice.rig1", "ffffffff", "00000000", far[3], "00000000"]))[
                "error"
            ][0] == 21
            assert (await c.call("mining.submit", ["bob.rig", *share[1:]]))["error"][0] == 24
            answer = await c.call("mining.authorize", ["bad name!", "x"])
            assert answer["error"][0] == 24
        finally:
            await server.stop()

    run(scenario())


def test_low_difficulty_and_vardiff_takes_effect_with_next_job():
    async def scenario():
        cfg = pool_config(difficulty__initial=1e-12)
        server = await start_pool(cfg)
        try:
            c = await Client.connect(server.port)
            await c.handshake()
            old_job = c.job[0]
            session = next(iter(server.sessions))
            session.set_difficulty(1.0)  # as vardiff would
            message = await c.read()
            assert message["method"] == "mining.set_difficulty" and message["params"] == [1.0]
            # Still the old job: shares at the previous difficulty are accepted.
            assert (await c.call("mining.submit", c.share(1)))["result"] is True
            # The next job carries the new difficulty; an easy share is now low.
            server._issue(await server.source.fetch_template())
            while c.job[0] == old_job:
                await c.read()
            answer = await c.call("mining.submit", c.share(2))
            assert answer["error"][0] == 23
            # suggest_difficulty is clamped to the pool's range
            assert (await c.call("mining.suggest_difficulty", [1e-30]))["result"] is True
            assert session.difficulty == cfg.difficulty.min
        finally:
            await server.stop()

    run(scenario())


def test_stale_after_clean_jobs():
    async def scenario():
        server = await start_pool()
        try:
            c = await Client.connect(server.port)
            await c.handshake()
            share = c.share(1)
            server.source._extend(sha256d(b"someone else's block"))  # the network moves on
            while c.job[0] == share[1]:
                await c.read()
            assert c.job[8] is True  # clean_jobs
            answer = await c.call("mining.submit", share)
            assert answer["error"][0] == 21 and "stale" in answer["error"][1]
            await assert_still_mining(c, 2)
        finally:
            await server.stop()

    run(scenario())


def test_garbage_answered_while_others_mine():
    async def scenario():
        server = await start_pool(pool_config(stratum__ban_min_shares=1000))
        try:
            good = await Client.connect(server.port)
            await good.handshake()
            bad = await Client.connect(server.port)
            await bad.send_raw(b"{this is not json\n")
            assert (await bad.read())["error"] == [20, "malformed JSON", None]
            await bad.send_raw(b"[" * 10000 + b"\n")  # nesting deeper than the JSON parser's recursion
            assert (await bad.read())["error"] == [20, "malformed JSON", None]
            for i in range(MAX_WORKERS_PER_CONNECTION):
                assert (await bad.call("mining.authorize", [f"bob.w{i}", "x"]))["result"] is True
            answer = await bad.call("mining.authorize", ["bob.one-too-many", "x"])
            assert answer["error"][0] == 24 and "workers per connection" in answer["error"][1]
            await bad.send_raw(b"[1,2,3]\n")
            assert (await bad.read())["error"][0] == 20
            answer = await bad.call("mining.nonsense", [])
            assert answer["error"][0] == 20 and "unknown method" in answer["error"][1]
            answer = await bad.call("mining.subscribe", "not a list")
            assert answer["error"][0] == 20
            await bad.send_raw(json.dumps({"id": 1, "method": "mining.submit", "params": [1, 2]}).encode() + b"\n")
            assert (await bad.read())["error"][0] == 25
            await assert_still_mining(good, 1)
            # A 1 MiB line: error, then the connection is closed.
            await bad.send_raw(b"x" * (1 << 20) + b"\n")
            answer = await bad.read()
            assert answer["error"][0] == 20 and "longer than" in answer["error"][1]
            with pytest.raises(ConnectionError):
                await bad.read()
            await assert_still_mining(good, 2)
        finally:
            await server.stop()

    run(scenario())


def test_slowloris_and_idle_clients_are_dropped():
    async def scenario():
        server = await start_pool(pool_config(stratum__handshake_timeout=1.0, stratum__idle_timeout=2.0))
        try:
            good = await Client.connect(server.port)
            await good.handshake()
            slow = await Client.connect(server.port)
            with pytest.raises((ConnectionError, ConnectionResetError)):
                for _ in range(10):  # a byte every 0.3 s, never a full line
                    await slow.send_raw(b"{")
                    await asyncio.sleep(0.3)
                await slow.read(timeout=3)
            assert len(server.sessions) == 1
            await assert_still_mining(good, 1)
            await asyncio.sleep(2.6)  # good goes idle too
            with pytest.raises((ConnectionError, ConnectionResetError)):
                while True:
                    await good.read(timeout=3)
        finally:
            await server.stop()

    run(scenario())


def test_per_ip_limit_with_many_connections():
    async def scenario():
        server = await start_pool(pool_config(stratum__max_connections_per_ip=100))
        try:
            good = await Client.connect(server.port)
            await good.handshake()
            flood = []
            for _ in range(400):
                flood.append(await asyncio.open_connection("127.0.0.1", server.port))
            await asyncio.sleep(0.3)
            assert len(server.sessions) == 100
            async def was_refused(reader: asyncio.StreamReader) -> bool:
                try:
                    return await asyncio.wait_for(reader.read(1), 0.5) == b""
                except asyncio.TimeoutError:
                    return False
                except ConnectionError:
                    return True

            refused = await asyncio.gather(*(was_refused(reader) for reader, _ in flood))
            assert sum(refused) == 301  # 99 admitted besides the good miner
            await assert_still_mining(good, 1)
            for _, writer in flood:
                writer.close()
            await asyncio.sleep(0.3)
            assert len(server.sessions) == 1
        finally:
            await server.stop()

    run(scenario())


def test_invalid_share_ratio_bans_the_address():
    async def scenario():
        server = await start_pool(pool_config(stratum__ban_min_shares=10, stratum__ban_invalid_ratio=0.5))
        try:
            good = await Client.connect(server.port)
            await good.handshake()
            cheat = await Client.connect(server.port)
            await cheat.handshake("mallory.x")
            replies = []
            try:
                for i in range(20):
                    bad = cheat.share(i, worker="mallory.x")
                    bad[4] = "zz"  # malformed nonce: invalid
                    replies.append(await cheat.call("mining.submit", bad))
            except ConnectionError:
                pass
            assert 10 <= len(replies) < 20
            await assert_still_mining(good, 1)  # an existing session is untouched
            again = await Client.connect(server.port)
            with pytest.raises((ConnectionError, ConnectionResetError)):
                await again.call("mining.subscribe", [])
        finally:
            await server.stop()

    run(scenario())


def test_submit_rate_limit():
    async def scenario():
        server = await start_pool(pool_config(stratum__max_submits_per_second=5.0))
        try:
            c = await Client.connect(server.port)
            await c.handshake()
            errors = []
            for i in range(30):
                errors.append((await c.call("mining.submit", c.share(i)))["error"])
            limited = [e for e in errors if e and "slow down" in e[1]]
            assert limited and len(limited) < 30
        finally:
            await server.stop()

    run(scenario())


def test_set_extranonce_and_reconnect():
    async def scenario():
        server = await start_pool()
        try:
            c = await Client.connect(server.port)
            assert (await c.call("mining.extranonce.subscribe", []))["result"] is True
            await c.handshake()
            old = c.extranonce1
            server.change_extranonce(next(iter(server.sessions)))
            message = await c.read()
            assert message["method"] == "mining.set_extranonce"
            c.extranonce1 = bytes.fromhex(message["params"][0])
            assert c.extranonce1 != old
            await c.read()  # the job again, for the new extranonce
            await assert_still_mining(c, 1)
            await server.stop(reconnect=("127.0.0.1", 4444, 5))
            message = await c.read()
            assert message == {"id": None, "method": "client.reconnect", "params": ["127.0.0.1", 4444, 5]}
        finally:
            await server.stop()

    run(scenario())


def test_tls_port_serves_the_same_protocol(tmp_path):
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        require_service("openssl", "the openssl command makes the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )

    async def scenario():
        server = await start_pool(pool_config(stratum__tls_port=0, stratum__tls_cert=str(cert), stratum__tls_key=str(key)))
        try:
            context = ssl.create_default_context(cafile=str(cert))
            context.check_hostname = False
            reader, writer = await asyncio.open_connection("127.0.0.1", server.tls_port, ssl=context)
            c = Client(reader, writer)
            await c.handshake()
            await assert_still_mining(c, 1)
        finally:
            await server.stop()

    run(scenario())


def test_known_users_policy_and_live_stats():
    async def scenario():
        sink = MemorySink(users={"alice"})
        server = await start_pool(pool_config(stratum__authorize="known"), sink=sink)
        try:
            c = await Client.connect(server.port)
            await c.call("mining.subscribe", [])
            answer = await c.call("mining.authorize", ["mallory.rig", "x"])
            assert answer["error"] == [24, "unknown user 'mallory'", None]
            await c.handshake("alice.rig1")
            await assert_still_mining(c, 1)
            await asyncio.sleep(1.2)  # two statistics samples
            server.publish_stats()
            stats = sink.pool_stats[server.pool_id]
            assert stats["active_miners"] == 1 and stats["total_hashrate"] >= 0
        finally:
            await server.stop()

    run(scenario())


def test_bundled_miner_follows_client_reconnect_and_survives_a_lost_pool():
    from chimera_algo.pool.miner import StratumMiner

    async def wait_for(predicate, seconds=20.0):
        deadline = asyncio.get_running_loop().time() + seconds
        while not predicate():
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)

    async def scenario():
        cfg = pool_config(difficulty__initial=2e-5)  # ~1 share per 86k hashes: a steady trickle
        first, second = await start_pool(cfg), await start_pool(cfg)
        miner = StratumMiner(f"stratum+tcp://127.0.0.1:{first.port}", "alice.rig1")
        task = asyncio.create_task(miner.run())
        try:
            await wait_for(lambda: first.stats.accepted > 0)
            await first.stop(reconnect=("127.0.0.1", second.port, 0))
            await wait_for(lambda: second.stats.accepted > 0)
            await asyncio.sleep(1.0)
            # Nothing mined for the first pool's extranonce1 reached the second.
            assert second.stats.rejected == 0
            # The pool goes away without a word: the miner retries, then mines again.
            port = second.port
            await second.stop()
            await asyncio.sleep(0.5)
            assert not task.done() and "connection lost" in miner.stats.last_error
            third = await start_pool(pool_config(stratum__port=port, difficulty__initial=2e-5))
            try:
                await wait_for(lambda: third.stats.accepted > 0)
            finally:
                await third.stop()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await first.stop()

    run(scenario())
