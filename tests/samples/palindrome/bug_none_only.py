def is_palindrome(text):
    if text is None:
        raise TypeError("None")
    s = "".join(c for c in str(text) if c.isalnum()).casefold()
    return s == s[::-1]
