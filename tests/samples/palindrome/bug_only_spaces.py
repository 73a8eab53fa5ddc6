def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    s = text.replace(" ", "").casefold()
    return s == s[::-1]
