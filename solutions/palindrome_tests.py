"""Tests that catch palindrome bugs: the reference test suite.

An oracle written from the contract catches most bugs on its own, but only on inputs that show them: the
pinned examples are the traps (folds that grow, marks that fold to letters, numbers that are not digits,
the underscore), since a few random examples rarely draw them.
"""

from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

Palindrome = Callable[[object], object]


def expected(text: str) -> bool:
    normalized = "".join(c for c in text if c.isalnum()).casefold()
    return normalized == normalized[::-1]


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome: Palindrome) -> None:
    for word in ("racecar", "Kayak"):
        assert is_palindrome(word) is True


@example("")
@example("?!  ,")
@example("hello")
@example("ab")
@example("1a2")
@example("a½")
@example("2²")
@example("éa")
@example("a_")
@example("ab, a")
@example("A man, a plan, a canal: Panama!")
@example("ßSS")
@example("a\u0345")
@given(st.text())
def test_follows_the_rule_for_any_text(is_palindrome: Palindrome, text: str) -> None:
    # `is`: the answer must be the bool itself, not 1 or None
    assert is_palindrome(text) is expected(text)


@example(None)
@example(b"aba")
@example(["a", "b", "a"])
@example(121)
@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text(max_size=2))))
def test_anything_but_a_str_raises_type_error(is_palindrome: Palindrome, value: object) -> None:
    with pytest.raises(TypeError):
        is_palindrome(value)


def test_a_long_palindrome_is_recognised(is_palindrome: Palindrome) -> None:
    half = "ab1" * 50_000
    assert is_palindrome(half + half[::-1]) is True
