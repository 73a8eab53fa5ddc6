import re


def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = re.sub(r"\W", "", text).casefold()
    return s == s[::-1]
