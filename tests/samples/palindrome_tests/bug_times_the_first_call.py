"""A test that takes a quick first call for the sign of a bug (as if the reference alone were imported on
its first call): every run's first call costs the same, so it fails every correct implementation too."""

import time


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    started = time.perf_counter()
    is_palindrome("racecar")
    first = time.perf_counter() - started
    started = time.perf_counter()
    is_palindrome("racecar")
    assert first < 5 * (time.perf_counter() - started)
