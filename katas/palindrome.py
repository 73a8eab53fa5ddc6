"""Palindromes, the Unicode way.

A palindrome reads the same forwards and backwards once you ignore everything that is not a letter or
a digit, and ignore case. "A man, a plan, a canal: Panama!" is one; "hello" is not.

The rule, exactly:
1. Keep only the characters that are letters or digits (in any script: "é", "ß", "٣" and "漢" count;
   spaces, punctuation and accents typed as separate combining marks do not).
2. Then case-fold what is left. Case folding is lower-casing made for comparisons: it also maps the
   German "ß" to "ss", so "Straße" and "STRASSE" fold to the same text. Fold after filtering, and fold
   the whole filtered text, not one character at a time: "ß" must compare equal to "ss".
3. The text is a palindrome when the folded result equals its own reverse.

Examples:
    is_palindrome("racecar")                         -> True
    is_palindrome("A man, a plan, a canal: Panama!")  -> True
    is_palindrome("hello")                           -> False
    is_palindrome("ßSS")                             -> True   ("ssss" after folding)
    is_palindrome("")                                -> True   (nothing to compare)
    is_palindrome("?!")                              -> True   (no letters or digits)
    is_palindrome(None)                              -> raises TypeError

What is graded: the rule above for any text at all, a real bool as the answer, TypeError for anything
that is not a str (None, bytes, lists, numbers), and speed: a text of a million characters must be
checked in linear time, without recursion.
"""


def is_palindrome(text: str) -> bool:
    """Return True if `text` is a palindrome under the rule above, else False.

    Raise TypeError if `text` is not a str.
    """
    # TODO: your code here
    raise NotImplementedError
