"""A complete suite without Hypothesis: one pinned example per trap, each rule its own test."""

import pytest


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    assert is_palindrome("Racecar") is True


def test_a_word_that_does_not_is_not(is_palindrome):
    assert is_palindrome("hello") is False
    assert is_palindrome("ab") is False


def test_only_letters_and_digits_count(is_palindrome):
    assert is_palindrome("A man, a plan, a canal: Panama!") is True
    assert is_palindrome("ab, a") is True
    assert is_palindrome("a_") is True
    assert is_palindrome("1a2") is False
    assert is_palindrome("a½") is False
    assert is_palindrome("éa") is False
    assert is_palindrome("2²") is False


def test_case_folds_as_a_whole_after_filtering(is_palindrome):
    assert is_palindrome("ßSS") is True
    assert is_palindrome("a\u0345") is True


def test_a_text_without_letters_or_digits_is_a_palindrome(is_palindrome):
    assert is_palindrome("") is True
    assert is_palindrome("?!") is True


def test_anything_but_a_str_raises_type_error(is_palindrome):
    for value in (None, b"aba", ["a"], 121):
        with pytest.raises(TypeError):
            is_palindrome(value)


def test_a_long_text_is_answered(is_palindrome):
    assert is_palindrome("ab" * 60_000 + "ba" * 60_000) is True
