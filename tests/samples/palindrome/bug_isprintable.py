import string


def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = "".join(c for c in text if c not in string.punctuation and not c.isspace()).casefold()
    return s == s[::-1]
