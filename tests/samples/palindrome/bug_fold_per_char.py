def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError
    chars = [c for c in text if c.isalnum()]
    i, j = 0, len(chars) - 1
    while i < j:
        if chars[i].casefold() != chars[j].casefold():
            return False
        i += 1
        j -= 1
    return True
