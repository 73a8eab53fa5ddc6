"""Half finished: the type rule is tested, nothing else."""

import pytest


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    assert is_palindrome("racecar") is True


def test_none_raises_type_error(is_palindrome):
    with pytest.raises(TypeError):
        is_palindrome(None)
