"""The oracle lower-cases instead of case folding: it fails the reference on a sharp s, so it catches nothing."""

from hypothesis import example, given
from hypothesis import strategies as st


def expected(text):
    kept = "".join(c for c in text if c.isalnum()).lower()
    return kept == kept[::-1]


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    assert is_palindrome("racecar") is True


@example("ßSS")
@given(st.text())
def test_follows_the_rule_for_any_text(is_palindrome, text):
    assert is_palindrome(text) is expected(text)
