from chimera_algo.pool.vardiff import Vardiff, VardiffSettings

S = VardiffSettings(target_interval=10, retarget_window=60, variance=0.3, min_difficulty=1, max_difficulty=1000)


def feed(v: Vardiff, difficulty: float, interval: float, seconds: float, start: float = 0.0):
    changes = []
    t = start
    while t < start + seconds:
        t += interval
        new = v.record_share(difficulty, t)
        if new is not None:
            changes.append(new)
            difficulty = new
    return difficulty, changes


def test_fast_miner_gets_harder_work_in_bounded_steps():
    final, changes = feed(Vardiff(S, 0.0), 8, interval=0.1, seconds=100)
    assert changes[0] == 32  # capped at x4 per step
    assert final == 1000  # clamped to max


def test_on_target_miner_is_left_alone():
    _, changes = feed(Vardiff(S, 0.0), 8, interval=10, seconds=600)
    assert changes == []


def test_slow_or_silent_miner_gets_easier_work():
    v = Vardiff(S, 0.0)
    _, changes = feed(v, 64, interval=40, seconds=200)
    assert changes and changes[0] == 16
    v = Vardiff(S, 0.0)
    assert v.retarget(64, 61.0) == 16  # no shares at all in a window
    assert v.retarget(2, 200.0) == 1  # never below min
