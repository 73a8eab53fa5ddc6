"""Every test fails, whatever it meets: each is a false alarm."""


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    is_palindrome("racecar")
    raise AssertionError("always")


def test_everything_is_a_bug(is_palindrome):
    assert is_palindrome("hello") == "no implementation is right"
