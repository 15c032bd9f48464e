"""One runner per pool: a second one is refused, and a dead runner's lock is gone."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from chimera_algo.payouts.runner_lock import PayoutsBusy, runner_lock
from chimera_algo.payouts.sender import PayoutSender
from chimera_algo.store import open_store


def test_second_runner_is_refused_until_the_first_is_done(store):
    pool_id = uuid.uuid4()
    other = open_store(store.url)  # a second process would open its own store
    try:
        with runner_lock(store, pool_id):
            with pytest.raises(PayoutsBusy, match="another payout runner"):
                with runner_lock(other, pool_id):
                    pass
            with runner_lock(other, uuid.uuid4()):  # other pools are independent
                pass
            # The sender refuses before it touches the wallet (there is none here).
            with pytest.raises(PayoutsBusy):
                PayoutSender(other, wallet=None, pool_id=pool_id).send_pending()  # type: ignore[arg-type]
        with runner_lock(other, pool_id):
            pass
    finally:
        other.close()


def test_a_killed_runner_leaves_no_lock_behind(store):
    pool_id = uuid.uuid4()
    code = (
        "import os, sys, uuid\n"
        "from chimera_algo.store import open_store\n"
        "from chimera_algo.payouts.runner_lock import runner_lock\n"
        f"store = open_store({store.url!r})\n"
        f"with runner_lock(store, uuid.UUID({str(pool_id)!r})):\n"
        "    os._exit(9)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 9
    with runner_lock(store, pool_id):
        pass
