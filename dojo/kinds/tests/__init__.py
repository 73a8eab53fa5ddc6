"""Tests kind: the learner writes the tests. Their test module runs in the worker against a stand-in for the
tested kata's function, whose calls are answered on the trusted side by hidden implementations, correct and
buggy; the score is the share of bugs their tests catch without ever failing a correct implementation."""

from dojo.kinds import Kind

# No autograder zip: the verdict needs the tested kata's reference, samples and the audit's mutants, which a zip
# handed to a course platform must not carry.
KIND = Kind("tests", "test modules, graded by the hidden bugs they catch", worker="worker.py", plugin="plugin",
            hints="testing", autograder=False,
            scaffolded="test_{name}")  # the stub's example test, which the learner keeps
