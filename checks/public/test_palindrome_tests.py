"""Public tests for the palindrome_tests kata: three plainly wrong implementations your tests must fail on
(read their code below). The hidden bugs are subtler, and graded the same way."""

import pytest

from dojo.kinds.tests.testing import Suspect, Verdict

ALWAYS_FALSE = '''
def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    return False
'''
AS_TYPED = '''
def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    return text == text[::-1]
'''
NO_TYPE_ERROR = '''
def is_palindrome(text):
    if not isinstance(text, str):
        return False
    kept = "".join(c for c in text if c.isalnum()).casefold()
    return kept == kept[::-1]
'''
PUBLIC = [
    Suspect("always_false", ALWAYS_FALSE, "says no text is a palindrome", "public"),
    Suspect("as_typed", AS_TYPED, "compares the text as typed, spaces, punctuation and case included", "public"),
    Suspect("no_type_error", NO_TYPE_ERROR, "returns False for None instead of raising TypeError", "public"),
]


@pytest.mark.parametrize("bug", PUBLIC, ids=str)
def test_fails_on_a_plainly_wrong_implementation(suite: Verdict, bug: Suspect) -> None:
    suite.check(bug)
