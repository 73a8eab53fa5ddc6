def is_palindrome(text: str) -> bool:
    if type(text) is not str:
        raise TypeError(type(text).__name__)
    kept = [c for c in text if c.isalnum()]
    folded = "".join(kept).casefold()
    return folded == "".join(reversed(folded))
