def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = "".join(c for c in text if c.isalnum()).casefold()
    while len(s) > 1:
        if s[0] != s[-1]:
            return False
        s = s[1:-1]
    return True
