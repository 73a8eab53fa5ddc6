"""The worker boundary: learner code runs in another process and only plain data comes back."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dojo.manifest import Kata
from dojo.trusted.failures import LearnerRaised, LoadFailure, NotStarted, WorkerTrouble
from dojo.trusted.process import WorkerPool
from dojo.trusted.proxy import KataProxy, same
from dojo.trusted.submissions import Implementation, display_path
from dojo.worker import wire

SAMPLE = Kata(name="sample", title="Sample", difficulty="easy", functions=("f",), hints=("a", "b"),
              points={"public": 1.0}, order=0, call_timeout=2.0)


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[WorkerPool]:
    workers = WorkerPool(Implementation("test", tmp_path))
    yield workers
    workers.close()


def learner(pool: WorkerPool, source: str) -> KataProxy:
    (pool.implementation.folder / "sample.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return KataProxy(pool, SAMPLE)


def values() -> st.SearchStrategy[object]:
    """Every kind of value the wire format carries, nested."""
    scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.binary()
               | st.datetimes())
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner) | st.lists(inner).map(tuple)
        | st.dictionaries(st.text() | st.integers(), inner),
        max_leaves=20,
    )


@given(values())
def test_values_cross_the_wire_with_their_exact_types(value: object) -> None:
    assert same(wire.decode(wire.encode(value)), value)


def test_non_finite_floats_cross_the_wire() -> None:
    decoded = wire.decode(wire.encode([float("nan"), float("inf"), -float("inf")]))
    assert decoded[0] != decoded[0]
    assert decoded[1:] == [float("inf"), -float("inf")]


def test_a_value_of_another_type_is_described_not_sent() -> None:
    class Sneaky:
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    decoded = wire.decode(wire.encode(Sneaky()))
    assert isinstance(decoded, wire.Unencodable)
    assert "Sneaky" in decoded.type_name
    assert decoded != True  # noqa: E712  (the point: no object from the learner answers True to ==)


@pytest.mark.parametrize("garbage", [[1, {"$": "nope"}], {"$": "tuple", "v": 3}, {"$": "bytes", "v": "%%%"}])
def test_garbage_from_a_worker_is_refused(garbage: object) -> None:
    with pytest.raises((wire.ProtocolError, ValueError)):
        wire.decode(garbage)


def test_calls_return_plain_data(pool: WorkerPool) -> None:
    kata = learner(pool, "def f(x, *, y=1):\n    return [x, (y, b'z'), {1: None}]\n")
    assert same(kata.f("a", y=2.5), ["a", (2.5, b"z"), {1: None}])


def test_a_truthy_object_is_not_true(pool: WorkerPool) -> None:
    kata = learner(pool, "class Yes:\n    def __bool__(self): return True\ndef f():\n    return Yes()\n")
    with pytest.raises(AssertionError, match=r"returned a sample.Yes object .*; expected True"):
        kata.f.check(returns=True)


def test_an_exception_names_its_type_and_the_learners_line(pool: WorkerPool) -> None:
    kata = learner(pool, """\
        def helper(x):
            return x[10]

        def f(x):
            return helper(x)
        """)
    with pytest.raises(LearnerRaised) as raised:
        kata.f("abc")
    message = str(raised.value)
    assert "Called f('abc'); raised IndexError: string index out of range" in message
    assert "sample.py, line 2, in helper" in message
    assert "return x[10]" in message
    assert raised.value.is_a(LookupError)


def test_not_implemented_means_not_started(pool: WorkerPool) -> None:
    kata = learner(pool, "def f():\n    raise NotImplementedError\n")
    with pytest.raises(NotStarted, match=r"not started yet: open .*sample.py"):
        kata.f()


def test_a_missing_file_says_which_file_to_create(pool: WorkerPool) -> None:
    kata = KataProxy(pool, SAMPLE)
    with pytest.raises(LoadFailure, match=r"sample.py does not exist. Create it with: f"):
        kata.f()


def test_a_syntax_error_names_the_line(pool: WorkerPool) -> None:
    kata = learner(pool, "def f():\n    return (\n")
    with pytest.raises(LoadFailure, match=r"sample.py, line 2: syntax error"):
        kata.f()


def test_a_missing_function_names_the_function(pool: WorkerPool) -> None:
    kata = learner(pool, "def g():\n    return 1\n")
    with pytest.raises(LoadFailure, match=r"does not define f\b"):
        kata.f()


def test_a_crash_at_import_is_reported_with_its_line(pool: WorkerPool) -> None:
    kata = learner(pool, "x = 1\ny = 1 / 0\ndef f():\n    return 1\n")
    with pytest.raises(LoadFailure, match=r"(?s)Importing .*sample.py failed.*ZeroDivisionError.*line 2"):
        kata.f()


def test_a_worker_that_exits_fails_the_call_and_is_replaced(pool: WorkerPool) -> None:
    kata = learner(pool, "import os\ndef f(code):\n    if code:\n        os._exit(0)\n    return 'alive'\n")
    with pytest.raises(WorkerTrouble, match=r"ended \(exit status 0\) in the middle of a call"):
        kata.f(1)
    assert kata.f(0) == "alive"


def test_a_hang_fails_the_call_and_later_calls_of_the_test_fail_fast(pool: WorkerPool) -> None:
    kata = learner(pool, "def f(x):\n    while x:\n        pass\n    return x\n")
    with pytest.raises(WorkerTrouble, match=r"Called f\(1\); it did not return within 2 s"):
        kata.f(1)
    with pytest.raises(WorkerTrouble, match=r"Called f\(1\)"):
        kata.f(0)  # the same test: no second wait
    assert KataProxy(pool, SAMPLE).f(0) == 0  # the next test gets a fresh worker


@pytest.mark.parametrize("line", ["while x > 0: x += 1", "time.sleep(3600)"], ids=["endless loop", "long sleep"])
def test_a_hang_says_where_the_learners_code_was_when_it_was_stopped(pool: WorkerPool, line: str) -> None:
    kata = learner(pool, f"import time\n\ndef f(x):\n    {line}\n    return x\n")
    with pytest.raises(WorkerTrouble) as hung:
        kata.f(1)
    shown = display_path(pool.implementation.folder / "sample.py")
    assert str(hung.value).endswith(f"did not return within 2 s: an endless loop, a deadlock, a wait that never "
                                    f"ends, or far too slow?\nIt was at {shown}, line 4, in f:\n    {line}")


def test_what_learner_code_writes_to_stdout_even_below_python_never_reaches_the_protocol(pool: WorkerPool) -> None:
    kata = learner(pool, """\
        import os, sys
        def f():
            os.write(1, b"\\x00\\x00\\x00\\x02{}")  # a well-formed frame, on the descriptor the answers once used
            print("and a print")
            sys.stdout.flush()
            return 1
        """)
    assert kata.f() == 1
    assert kata.last_output == "\x00\x00\x00\x02{}and a print\n"


def test_a_worker_exits_when_its_requests_end_even_while_learner_code_is_busy(pool: WorkerPool) -> None:
    learner(pool, "def f():\n    while True:\n        pass\n")
    worker = pool.worker(SAMPLE)
    assert worker.process is not None
    assert worker.process.stdin is not None
    wire.write_message(worker.process.stdin.fileno(), {"op": "call", "function": "f", "args": [], "kwargs": {}})
    worker.process.stdin.close()  # what happens to the pipe when the trusted process dies, however it dies
    assert worker.process.wait(timeout=60) == 0


def test_exit_and_keyboard_interrupt_come_back_as_exceptions(pool: WorkerPool) -> None:
    kata = learner(pool, "import sys\ndef f():\n    sys.exit(0)\n")
    with pytest.raises(LearnerRaised, match="raised SystemExit"):
        kata.f()


def test_what_the_learner_prints_is_shown_but_never_read_as_a_result(pool: WorkerPool) -> None:
    kata = learner(pool, "def f():\n    print('1 passed, 0 failed')\n    return False\n")
    with pytest.raises(AssertionError, match=r"(?s)returned False; expected True.*printed:\n1 passed, 0 failed"):
        kata.f.check(returns=True)


def test_learner_code_can_import_its_kinds_learner_api_but_nothing_else_of_the_project(pool: WorkerPool) -> None:
    (pool.implementation.folder / "sample.py").write_text(textwrap.dedent("""\
        import importlib.util, sys
        def f():
            hidden = ["dojo.trusted", "dojo.worker", "dojo.manifest", "dojo.kinds", "main", "solutions", "katas",
                      "checks", "conftest"]
            return [importlib.util.find_spec(name) is None for name in hidden] + [
                importlib.util.find_spec("dojo.tables") is not None]
        """), encoding="utf-8")
    assert all(KataProxy(pool, replace(SAMPLE, kind="sql")).f())


def test_learner_objects_stay_in_the_worker_and_answer_by_handle(pool: WorkerPool) -> None:
    kata = learner(pool, """\
        class f:
            def __init__(self, start):
                self.total = start
            def add(self, amount):
                self.total += amount
                return self.total
        """)
    first, second = kata.create("f", 10), kata.create("f", 0)
    assert first.add(5) == 15
    assert second.add(1) == 1
    assert first.get("total") == 15
    second.set("total", 7)
    assert second.get("total") == 7
    with pytest.raises(LearnerRaised, match=r"Called f\(10\).missing\(\); raised AttributeError"):
        first.missing()


def test_learner_code_runs_in_another_process(pool: WorkerPool) -> None:
    kata = learner(pool, "import os\ndef f():\n    return os.getpid()\n")
    assert kata.f() != os.getpid()
