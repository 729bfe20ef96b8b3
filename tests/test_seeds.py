"""lib.seeds: BOOK_SEED is honoured, streams are reproducible and independent by name."""
import numpy as np
import pytest

from lib import seeds


def test_default_seed_when_unset(monkeypatch):
    monkeypatch.delenv("BOOK_SEED", raising=False)
    assert seeds.base_seed() == seeds.DEFAULT_SEED
    assert seeds.base_seed(5) == 5


def test_book_seed_overrides(monkeypatch):
    monkeypatch.setenv("BOOK_SEED", "123")
    assert seeds.base_seed() == 123
    a = seeds.chapter_rng("x").standard_normal(4)
    monkeypatch.setenv("BOOK_SEED", "124")
    assert not np.array_equal(a, seeds.chapter_rng("x").standard_normal(4))


def test_streams_are_reproducible_and_distinct(monkeypatch):
    monkeypatch.delenv("BOOK_SEED", raising=False)
    a1 = seeds.chapter_rng("alpha").random(8)
    a2 = seeds.chapter_rng("alpha").random(8)
    b = seeds.chapter_rng("beta").random(8)
    np.testing.assert_array_equal(a1, a2)
    assert not np.array_equal(a1, b)


def test_torch_generator_is_reproducible(monkeypatch):
    import torch

    monkeypatch.setenv("BOOK_SEED", "9")
    x = torch.randn(3, generator=seeds.torch_generator("t"))
    y = torch.randn(3, generator=seeds.torch_generator("t"))
    assert torch.equal(x, y)


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5"])
def test_bad_book_seed_is_a_clear_error(monkeypatch, raw):
    monkeypatch.setenv("BOOK_SEED", raw)
    with pytest.raises(ValueError, match="BOOK_SEED must be"):
        seeds.base_seed()


def test_names_must_be_strings():
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        seeds.chapter_rng("")
