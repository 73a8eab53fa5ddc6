"""Checks the TypeError's message, which the contract leaves open: a false alarm on every correct
implementation, so the type rule is left unprotected."""

import pytest


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    assert is_palindrome("racecar") is True


def test_none_raises_type_error_that_names_the_type(is_palindrome):
    with pytest.raises(TypeError, match="NoneType"):
        is_palindrome(None)
