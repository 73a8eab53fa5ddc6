"""Hidden tests for the palindrome_tests kata: the learner's tests must catch each of the palindrome kata's bugs
listed in palindrome_tests.bugs.toml, one test per bug, by the requirement it breaks."""

import pytest

from dojo import manifest
from dojo.kinds.tests.testing import Suspect, Verdict, bug_list, bugs, of_group, under_test

KATA = manifest.get("palindrome_tests")
BUGS = bugs(bug_list(KATA), under_test(KATA))


@pytest.mark.group("types")
@pytest.mark.parametrize("bug", of_group(BUGS, "types"), ids=str)
def test_refuses_what_is_not_a_str(suite: Verdict, bug: Suspect) -> None:
    suite.check(bug)


@pytest.mark.group("answers")
@pytest.mark.parametrize("bug", of_group(BUGS, "answers"), ids=str)
def test_answers_with_the_right_bool(suite: Verdict, bug: Suspect) -> None:
    suite.check(bug)


@pytest.mark.group("filtering")
@pytest.mark.parametrize("bug", of_group(BUGS, "filtering"), ids=str)
def test_keeps_exactly_the_letters_and_digits(suite: Verdict, bug: Suspect) -> None:
    suite.check(bug)


@pytest.mark.group("folding")
@pytest.mark.parametrize("bug", of_group(BUGS, "folding"), ids=str)
def test_folds_case_as_the_contract_says(suite: Verdict, bug: Suspect) -> None:
    suite.check(bug)


@pytest.mark.group("edges")
@pytest.mark.parametrize("bug", of_group(BUGS, "edges"), ids=str)
def test_answers_for_every_text_empty_or_long(suite: Verdict, bug: Suspect) -> None:
    suite.check(bug)
