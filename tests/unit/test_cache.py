"""pyipvs._cache.remember: the bound every small cache of immutable values shares."""

from pyipvs._cache import remember


def test_remember_returns_the_value_and_keeps_it() -> None:
    cache: dict[str, int] = {}
    assert remember(cache, "a", 1, limit=4) == 1
    assert cache == {"a": 1}


def test_a_full_cache_is_emptied_before_the_next_entry() -> None:
    cache: dict[int, int] = {}
    for i in range(4):
        remember(cache, i, i * i, limit=4)
    assert len(cache) == 4
    remember(cache, 99, 0, limit=4)
    assert cache == {99: 0}
