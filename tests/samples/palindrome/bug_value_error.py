def is_palindrome(text):
    if not isinstance(text, str):
        raise ValueError("not a str")
    s = "".join(c for c in text if c.isalnum()).casefold()
    return s == s[::-1]
