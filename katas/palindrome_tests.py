"""Tests that catch palindrome bugs.

This time you write the tests, and the code is somebody else's. There are many implementations of
`is_palindrome(text)`: a few are correct, the others each break the contract below in one way. Your tests
receive the implementation under test as the argument `is_palindrome` (a fixture, as in pytest). They must
pass on every correct implementation and fail on as many broken ones as they can.

The contract (the palindrome kata's):
1. Keep only the characters that are letters or digits (in any script: "é", "ß", "٣" and "漢" count;
   spaces, punctuation and accents typed as separate combining marks do not), as str.isalnum() decides.
2. Then case-fold what is left (str.casefold()): the whole filtered text, not one character at a time, so
   "ß" compares equal to "ss".
3. The text is a palindrome when the folded result equals its own reverse: the answer is the bool True,
   else the bool False (not 1, not None). The empty text, and a text with no letters or digits, is one.
4. Anything that is not a str (None, bytes, lists, numbers) raises TypeError.
5. It answers for any text, a million characters long too, without running out of stack.

Examples:
    is_palindrome("A man, a plan, a canal: Panama!")  -> True
    is_palindrome("hello")                           -> False
    is_palindrome("ßSS")                             -> True   ("ssss" after folding)
    is_palindrome("?!")                              -> True   (no letters or digits)
    is_palindrome(None)                              -> raises TypeError

Write tests as functions named `test_...` (a sentence about behaviour), each asking for `is_palindrome`
and nothing else (no other fixtures, no pytest marks). Hypothesis works here (`@given`, `@example`,
strategies), and so does `pytest.raises`.
Only plain values cross to the implementation (str, bytes, None, numbers, lists, tuples, dicts), and an
exception it raises comes back as the same type with a message of ours, so test for the type only.

What is graded: your tests run several times against correct implementations and once against each of
a hidden set of buggy ones. A test that fails on a correct implementation, even once, is a false alarm
and catches nothing. Your score is the share of bugs that at least one of your tests fails on, with
points per group of bugs. `nox -s kata -- palindrome_tests` names each bug your tests let through by the
requirement it breaks; `nox -s hint -- palindrome_tests` gives hints.
"""

from collections.abc import Callable

Palindrome = Callable[[object], object]  # what your tests receive: the implementation under test


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome: Palindrome) -> None:
    assert is_palindrome("racecar") is True


def test_your_properties_of_the_contract(is_palindrome: Palindrome) -> None:
    # TODO: replace this test with your own, one test per requirement, each named as a sentence
    raise NotImplementedError
