def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = "".join(c for c in text if c.isalnum()).upper()
    return s == s[::-1]
