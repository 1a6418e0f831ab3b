"""The in-process counter of the rate limits: fixed windows, each its own count, swept when ended."""

from __future__ import annotations

from limits import parse

from pmf_api.platform.http.rate_limits import InProcessLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_takes_its_limit_then_refuses_until_the_next() -> None:
    clock = Clock()
    limiter = InProcessLimiter(clock)
    three = parse("3/minute")
    assert [await limiter.hit(three, "address", "a") for _ in range(4)] == [True, True, True, False]
    assert await limiter.hit(three, "address", "b")  # another client counts on its own
    assert not await limiter.test(three, "address", "a")
    stats = await limiter.get_window_stats(three, "address", "a")
    assert stats.remaining == 0 and 0 < stats.reset_time - clock.now <= 60
    clock.now = stats.reset_time  # the next window
    assert await limiter.test(three, "address", "a") and await limiter.hit(three, "address", "a")


async def test_ended_windows_are_swept() -> None:
    clock = Clock()
    limiter = InProcessLimiter(clock, sweep_every=10)
    one = parse("1/second")
    for n in range(9):
        await limiter.hit(one, "credential", str(n))
    clock.now += 5
    await limiter.hit(one, "credential", "late")  # the tenth hit sweeps the nine ended windows
    assert len(limiter._hits) == 1
