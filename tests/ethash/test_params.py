"""Epochs, seeds and sizes by block number, ECIP-1099 boundaries included."""

from __future__ import annotations

import pytest

from chimera_algo._core import ethash as native
from chimera_algo.ethash import ETC_MAINNET, ETHEREUM, MORDOR, custom_etchash, network

from . import reference as ref


def test_ethereum_epochs_are_30000_blocks():
    for block, epoch in [(0, 0), (29_999, 0), (30_000, 1), (11_699_999, 389), (11_700_000, 390)]:
        info = ETHEREUM.info(block)
        assert (info.epoch, info.epoch_length) == (epoch, 30_000)
        assert info.seed_rounds == epoch
        assert info.cache_size == native.cache_size(epoch)


@pytest.mark.parametrize("net,activation", [(ETC_MAINNET, 11_700_000), (MORDOR, 2_520_000)])
def test_ecip1099_activation_boundary(net, activation):
    before = net.info(activation - 1)
    at = net.info(activation)
    old_epoch = (activation - 1) // 30_000
    assert (before.epoch, before.epoch_length) == (old_epoch, 30_000)
    assert before.seed_hash == ref.seed_hash(old_epoch)
    assert before.cache_size == native.cache_size(old_epoch)
    assert before.full_size == native.dataset_size(old_epoch)

    # From activation: epoch = block // 60000; sizes follow the new epoch
    # number, the seed still counts 30000-block steps from the epoch start.
    new_epoch = activation // 60_000
    assert (at.epoch, at.epoch_length, at.first_block) == (new_epoch, 60_000, new_epoch * 60_000)
    assert at.seed_rounds == 2 * new_epoch
    assert at.seed_hash == ref.seed_hash(2 * new_epoch)
    assert at.cache_size == native.cache_size(new_epoch)
    assert at.full_size == native.dataset_size(new_epoch)
    # The DAG shrinks at activation: that was the point of ECIP-1099.
    assert at.full_size < before.full_size


def test_etc_activation_numbers():
    # ECIP-1099: 11,700,000 is ETC epoch 390 (old) and 195 (new).
    assert ETC_MAINNET.info(11_699_999).epoch == 389
    assert ETC_MAINNET.info(11_700_000).epoch == 195
    assert MORDOR.info(2_519_999).epoch == 83
    assert MORDOR.info(2_520_000).epoch == 42


@pytest.mark.parametrize("net", [ETC_MAINNET, MORDOR])
def test_etchash_epoch_transitions_after_activation(net):
    start = (net.ecip1099_block // 60_000 + 3) * 60_000  # a 60k epoch start well after
    e = start // 60_000
    last_of_prev, first, mid, last = (net.info(b) for b in (start - 1, start, start + 30_000, start + 59_999))
    assert last_of_prev.epoch == e - 1
    assert first.epoch == mid.epoch == last.epoch == e
    # One seed for the whole epoch: the second half does not use block // 30000.
    assert first.seed_hash == mid.seed_hash == last.seed_hash == native.seed_hash(2 * e)
    assert mid.seed_hash != native.seed_hash((start + 30_000) // 30_000)
    assert last_of_prev.seed_hash == native.seed_hash(2 * (e - 1))
    assert net.info(start + 60_000).epoch == e + 1
    assert net.next_epoch_block(start + 12_345) == start + 60_000


def test_ethash_and_etchash_agree_before_activation():
    for block in (0, 1_000_000, 11_699_999):
        assert ETHEREUM.info(block) == ETC_MAINNET.info(block)
    assert ETHEREUM.info(11_700_000) != ETC_MAINNET.info(11_700_000)


def test_user_defined_activation_block():
    net = custom_etchash(150_000)
    assert net.info(149_999).epoch == 4 and net.info(149_999).epoch_length == 30_000
    at = net.info(150_000)
    assert (at.epoch, at.first_block, at.seed_rounds) == (2, 120_000, 4)
    # An activation that is not on a 60k boundary: the first new epoch starts
    # before the activation block, as the ECIP's formulas give.
    assert net.info(179_999).seed_hash == at.seed_hash


def test_network_lookup_and_bad_values():
    assert network("mordor") is MORDOR
    with pytest.raises(ValueError, match="unknown ethash network"):
        network("ropsten")
    with pytest.raises(ValueError, match="block number"):
        ETC_MAINNET.info(-1)
    with pytest.raises(TypeError, match="block number must be an int"):
        ETC_MAINNET.info("12")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="activation block"):
        custom_etchash(-5)
