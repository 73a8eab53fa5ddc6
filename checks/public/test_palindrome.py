"""Public tests for the palindrome kata: read them, they show the rule at work."""

from dojo.testing import KataProxy


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(kata: KataProxy) -> None:
    kata.is_palindrome.check("racecar", returns=True)


def test_a_word_that_does_not_read_the_same_backwards_is_not(kata: KataProxy) -> None:
    kata.is_palindrome.check("hello", returns=False)


def test_ignores_case_spaces_and_punctuation(kata: KataProxy) -> None:
    kata.is_palindrome.check("A man, a plan, a canal: Panama!", returns=True)


def test_the_empty_string_is_a_palindrome(kata: KataProxy) -> None:
    kata.is_palindrome.check("", returns=True)


def test_folds_sharp_s_to_ss(kata: KataProxy) -> None:
    kata.is_palindrome.check("ßSS", returns=True)


def test_refuses_none_with_type_error(kata: KataProxy) -> None:
    kata.is_palindrome.check(None, raises=TypeError)
