def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = "".join(c for c in text.casefold() if c.isalnum())
    return s == s[::-1]
