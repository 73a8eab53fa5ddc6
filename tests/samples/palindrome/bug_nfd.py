import unicodedata


def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = "".join(c for c in unicodedata.normalize("NFD", text) if c.isalnum()).casefold()
    return s == s[::-1]
