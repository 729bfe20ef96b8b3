"""BOOK_SCALE chooses laptop or paper sizes; anything else is refused by name."""
import pytest

from lib import scale


def test_default_is_laptop(monkeypatch):
    monkeypatch.delenv("BOOK_SCALE", raising=False)
    assert scale.book_scale() == "laptop"
    assert scale.pick(laptop=3, paper=7) == 3
    assert str(scale.device()) == "cpu"


def test_paper(monkeypatch):
    monkeypatch.setenv("BOOK_SCALE", " Paper ")
    assert scale.is_paper()
    assert scale.pick(laptop=3, paper=7) == 7
    assert scale.device().type in ("cpu", "cuda")


def test_bad_scale_names_the_variable(monkeypatch):
    monkeypatch.setenv("BOOK_SCALE", "huge")
    with pytest.raises(ValueError, match="BOOK_SCALE must be one of"):
        scale.pick(1, 2)
