def _check(s):
    if len(s) < 2:
        return True
    return s[0] == s[-1] and _check(s[1:-1])


def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    return _check("".join(c for c in text if c.isalnum()).casefold())
