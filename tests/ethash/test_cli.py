"""``chimera etchash``: info, verify, and errors as one line."""

from __future__ import annotations

from chimera_algo.cli import main

FIRST = {
    "header": "60fd9f3354a63d0b93307d4f0a3196d7284c718d7335ee677caebe78fc0bd922",
    "nonce": "4242424242424242",
    "mix": "45c73dd21eb93306b93b4e9c4dc1bbd7767f1d73307f7d216c1cff8605560689",
    "result": "4cf6e056930a9b35b07efa86dcd57ee3f8cfc78a1db06624a78c60e35751d2b8",
}


def test_info_after_activation(capsys):
    assert main(["etchash", "info", "--block", "11700000"]) == 0
    out = capsys.readouterr().out
    assert "epoch          195 (length 60,000, first block 11,700,000)" in out
    assert "(390 keccak-256 rounds)" in out
    assert "42,334,912 bytes" in out


def test_info_custom_activation_and_mordor(capsys):
    assert main(["etchash", "info", "--block", "2519999", "--network", "mordor"]) == 0
    assert "epoch          83 (length 30,000" in capsys.readouterr().out
    assert main(["etchash", "info", "--block", "200000", "--activation-block", "120000"]) == 0
    assert "epoch          3 (length 60,000" in capsys.readouterr().out


def test_verify_first_vector(capsys, tmp_path):
    args = ["etchash", "verify", "--block", "0", "--network", "ethereum",
            "--header-hash", FIRST["header"], "--nonce", FIRST["nonce"], "--dir", str(tmp_path)]
    assert main(args + ["--mix-hash", FIRST["mix"], "--boundary", "0x" + FIRST["result"]]) == 0
    out = capsys.readouterr().out
    assert f"final hash     0x{FIRST['result']}" in out and "MEETS" in out
    assert main(args + ["--difficulty", "1000"]) == 1
    assert "DOES NOT MEET" in capsys.readouterr().out
    assert main(args + ["--mix-hash", "00" * 32]) == 1
    assert "REJECTED: mix hash" in capsys.readouterr().out


def test_operator_errors_are_one_line(capsys, tmp_path):
    assert main(["etchash", "info", "--block", "-1"]) == 2
    assert "block number must be in [0, 2**63), got -1" in capsys.readouterr().err
    assert main(["etchash", "verify", "--block", "0", "--header-hash", "abcd",
                 "--nonce", "00", "--dir", str(tmp_path)]) == 2
    assert "header hash must be 32 bytes, got 2" in capsys.readouterr().err
    assert main(["etchash", "dag", "--block", "0", "--threads", "0"]) == 2
    assert "--threads must be >= 1" in capsys.readouterr().err


def test_dag_progress_bar_draws_and_finishes(capsys):
    from chimera_algo.cli.etchash import _ProgressBar

    bar = _ProgressBar("epoch 7", enabled=True)
    bar(256 << 20, 1024 << 20)
    bar(1024 << 20, 1024 << 20)
    err = capsys.readouterr().err
    assert "epoch 7 [#######" in err and " 25.0% 256/1,024 MiB" in err
    assert "100.0% 1,024/1,024 MiB" in err and err.endswith("\n")
    _ProgressBar("quiet", enabled=False)(1, 2)
    assert capsys.readouterr().err == ""
