"""Tests that try to tell the reference from a bug without looking at its answers: its source, its file, its
module, the stack, module state. Each then fails where it guesses "a bug"."""

import inspect

SEEN = []


def test_a_word_that_reads_the_same_backwards_is_a_palindrome(is_palindrome):
    is_palindrome("racecar")
    assert "casefold" in inspect.getsource(is_palindrome)


def test_the_reference_lives_in_solutions(is_palindrome):
    is_palindrome("hello")
    where = getattr(getattr(is_palindrome, "__code__", None), "co_filename", "")
    assert "solutions" in where or "reference" in where


def test_the_reference_has_its_own_module(is_palindrome):
    is_palindrome("?!")
    assert "palindrome" in str(getattr(is_palindrome, "__module__", ""))


def test_the_reference_is_on_the_stack(is_palindrome):
    is_palindrome("ab")
    assert any("solutions" in frame.filename for frame in inspect.stack())


def test_the_reference_runs_first(is_palindrome):
    SEEN.append(is_palindrome("a½"))
    assert len(SEEN) == 1

