def is_palindrome(text):
    s = "".join(c for c in text if c.isalnum()).casefold()
    return s == s[::-1]
