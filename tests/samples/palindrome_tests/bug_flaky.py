"""A test that fails at random, and one that checks only words: the random one catches nothing."""

import random


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    assert is_palindrome("racecar") is True


def test_sometimes(is_palindrome):
    assert is_palindrome("kayak") in (True, 1)
    assert random.random() < 0.5
