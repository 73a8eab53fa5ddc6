"""Every rule but the last: no long text, so the bugs that break on one slip through."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st


def expected(text):
    kept = "".join(c for c in text if c.isalnum()).casefold()
    return kept == kept[::-1]


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    assert is_palindrome("racecar") is True


@example("")
@example("ab")
@example("1a2")
@example("a½")
@example("2²")
@example("éa")
@example("a_")
@example("ab, a")
@example("hello")
@example("ßSS")
@example("a\u0345")
@given(st.text())
def test_follows_the_rule_for_any_text(is_palindrome, text):
    assert is_palindrome(text) is expected(text)


def test_anything_but_a_str_raises_type_error(is_palindrome):
    for value in (None, b"aba", ["a"], 121):
        with pytest.raises(TypeError):
            is_palindrome(value)
