"""Palindromes, the Unicode way: the reference solution."""


def is_palindrome(text: str) -> bool:
    # Check the type first: bytes and lists are iterable too, and would give answers instead of errors.
    if not isinstance(text, str):
        raise TypeError(f"is_palindrome() needs a str, not {type(text).__name__}")
    # Fold the joined text, not each character: folds can grow ("ß" -> "ss") and must mirror as a whole.
    normalized = "".join(c for c in text if c.isalnum()).casefold()
    return normalized == normalized[::-1]
