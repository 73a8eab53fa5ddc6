"""Public tests for the rate_limiter kata: read them, they show the rule at work."""

from dojo.testing import KataFailure, KataProxy


def test_todo_a_readable_example_of_the_rule(kata: KataProxy) -> None:
    # TODO(new): e.g. kata.create("RateLimiter").method.check(..., returns=...)
    raise KataFailure("TODO(new): write the public tests")
