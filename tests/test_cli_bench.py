import json

from chimera_algo.cli import main


def test_bench_json_reports_every_field(capsys):
    assert main(["bench", "--algo", "sha256d", "--seconds", "0.02", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["impl"] for r in rows} == {"scan", "hash_many"}
    for r in rows:
        assert set(r) == {"algo", "impl", "isa", "rate_hps", "baseline_rate_hps", "ratio"}
        assert r["algo"] == "sha256d" and r["rate_hps"] > 0 and r["baseline_rate_hps"] > 0
        assert r["ratio"] == r["rate_hps"] / r["baseline_rate_hps"]


def test_bench_table_and_unknown_algorithm(capsys):
    assert main(["bench", "--algo", "sha256d", "--seconds", "0.02"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["algo", "impl", "isa", "rate", "baseline", "ratio"]
    assert main(["bench", "--algo", "nope"]) == 2
    assert "unknown algorithm 'nope'" in capsys.readouterr().err
