def is_palindrome(text):
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    folded = "".join(filter(str.isalnum, text)).casefold()
    left, right = 0, len(folded) - 1
    while left < right:
        if folded[left] != folded[right]:
            return False
        left, right = left + 1, right - 1
    return True
