def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = "".join(c for c in text if c.isalnum()).casefold()
    for i in range(len(s) // 2 - 1):
        if s[i] != s[-1 - i]:
            return False
    return True
