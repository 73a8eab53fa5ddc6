import re


def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = re.sub(r"[^a-z0-9]", "", text.casefold())
    return s == s[::-1]
