import pytest

from chimera_algo.pool.config import ConfigError, PoolConfig, from_dict, load, validate

GOOD = """
[pool]
name = "ltc-regtest"
coin = "litecoin"
network = "regtest"
algorithm = "sha256d"
payout_script = "51"

[stratum]
port = 3333
extranonce2_size = 8

[difficulty]
initial = 0.5

[node]
kind = "rpc"
url = "http://127.0.0.1:19443"
user = "u"
password = "p"
"""


def test_good_file(tmp_path):
    path = tmp_path / "pool.toml"
    path.write_text(GOOD)
    cfg = load(path)
    assert cfg.stratum.extranonce2_size == 8 and cfg.difficulty.initial == 0.5
    assert cfg.gbt_rules == ["mweb", "segwit"]  # litecoin 0.21 needs mweb


def test_defaults_are_valid():
    validate(PoolConfig())


@pytest.mark.parametrize(
    "raw,words",
    [
        ({"pool": {"colour": "red"}}, r"\[pool\] unknown key\(s\) colour"),
        ({"pools": {}}, r"unknown section\(s\) pools"),
        ({"stratum": {"port": "3333"}}, r"\[stratum\] port: expected an integer"),
        ({"stratum": {"port": 70000}}, r"\[stratum\] port: must be 0..65535"),
        ({"stratum": {"extranonce2_size": 2}}, r"extranonce2_size: must be 4..8"),
        ({"stratum": {"version_mask": "ffffffff"}}, r"version_mask: must fit"),
        ({"stratum": {"version_mask": "xyz"}}, r"version_mask: not hex"),
        ({"pool": {"algorithm": "md5"}}, r"\[pool\] algorithm: unknown algorithm 'md5'; available: .*sha256d"),
        ({"difficulty": {"min": 2.0, "initial": 1.0}}, r"min <= initial <= max"),
        ({"difficulty": {"vardiff": "yes"}}, r"expected true or false"),
        ({"node": {"kind": "rpc"}}, r"payout_address is required"),
        ({"node": {"kind": "rpc", "url": "127.0.0.1"}, "pool": {"payout_script": "51"}}, r"\[node\] url"),
        ({"pool": {"payout_address": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}}, r"payout_address: .*not a bitcoin-regtest"),
        ({"stratum": {"tls_port": 3334}}, r"tls_port needs tls_cert"),
    ],
)
def test_errors_name_the_setting(raw, words):
    with pytest.raises(ConfigError, match=words):
        from_dict(raw)


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[pool\nname=1")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load(bad)
