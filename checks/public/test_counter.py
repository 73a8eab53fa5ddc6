"""Public tests for the counter kata: one thread, the basic contract."""

from dojo.testing import KataProxy


def test_starts_at_its_initial_value(kata: KataProxy) -> None:
    kata.create("Counter", 10).check_attribute("value", returns=10)


def test_increment_and_decrement_return_the_new_value(kata: KataProxy) -> None:
    counter = kata.create("Counter")
    counter.increment.check(returns=1)
    counter.increment.check(5, returns=6)
    counter.decrement.check(10, returns=-4)


def test_compare_and_set_swaps_only_when_the_value_matches(kata: KataProxy) -> None:
    counter = kata.create("Counter", 3)
    counter.compare_and_set.check(3, 7, returns=True)
    counter.compare_and_set.check(3, 9, returns=False)
    counter.increment.check(0, returns=7)


def test_refuses_a_bool_amount_with_type_error(kata: KataProxy) -> None:
    kata.create("Counter").increment.check(True, raises=TypeError)
