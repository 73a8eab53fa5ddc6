def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = "".join(c for c in text if c.isalpha() or c.isdigit()).casefold()
    return s == s[::-1]
