"""Worker side of the tests kind: run the learner's test functions one at a time, each handed a stand-in for
the function under test. The stand-in knows nothing of the implementation it stands for: every call is sent
to the trusted side as plain data and answered from there (a value, or the name of an exception to raise).
So nothing in this process tells one implementation from another but the answers: no source, no file name,
no module, no first-call cost of an import.

A test runs in a thread of its own, so a call from deep inside the learner's test (under Hypothesis, in a
helper of theirs) can wait while its question travels: `start` and `resume` return the test's next event, a
call to answer or its end, as the answer to the trusted side's request.

Loaded before the learner's module: the Hypothesis profile loaded here is the one their tests start from
(few examples, no shrinking, no example database, derandomized so a test asks the same questions in every
run). A test may still choose its own settings; the trusted side's deadlines bound what that costs.
"""

from __future__ import annotations

import builtins
import inspect
import queue
import threading
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir
from wire import MAX_TEXT, describe_exception  # the worker core's own module, already imported by main.py

# The worker's own folder, whatever the environment says: the trusted side puts Hypothesis's Unicode tables there
# (building them costs a second of CPU, in every fresh worker).
set_hypothesis_home_dir(Path.cwd() / ".hypothesis")
PROFILE = "dojo-tests"
# Every call crosses two processes, so Hypothesis's timing checks would blame the learner for the dojo's cost.
settings.register_profile(PROFILE, max_examples=25, derandomize=True, database=None, deadline=None,
                          phases=(Phase.explicit, Phase.reuse, Phase.generate), print_blob=False,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(PROFILE)


class Running:
    """One learner test in its thread, and the two queues it talks through: its events out, answers in."""

    def __init__(self, module: Any, test: Any, fixture: str) -> None:
        self.module = module
        self.events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.answers: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.lock = threading.Lock()  # a test that calls from several threads asks one question at a time
        wanted = fixture in inspect.signature(test).parameters
        fixtures = {fixture: self.stand_in(fixture)} if wanted else {}
        threading.Thread(target=self._run, args=(test, fixtures), daemon=True).start()

    def stand_in(self, name: str) -> Any:
        """The function the learner's test receives: named as the function under test, and the same in every
        run whatever implementation answers."""

        def function(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.events.put({"call": [list(args), kwargs]})
                answer = self.answers.get()
            if "returned" in answer:
                return answer["returned"]
            raise _exception(answer)

        function.__name__ = function.__qualname__ = name
        return function

    def _run(self, test: Any, fixtures: dict[str, Any]) -> None:
        try:
            test(**fixtures)
        except NotImplementedError as error:  # the stub's placeholder: not started, not a failure
            self.events.put({"not_started": describe_exception(error, self.module.__file__)})
        except BaseException as error:  # SystemExit too: a test that fails, whatever it raises
            failed = describe_exception(error, self.module.__file__)
            # Hypothesis tells the failing example in a note: the input the learner needs to see
            notes = [str(note) for note in getattr(error, "__notes__", [])]
            failed["message"] = "\n".join([failed["message"], *notes]).strip()[:MAX_TEXT]
            self.events.put({"failed": failed})
        else:
            self.events.put({"passed": True})


def _exception(answer: dict[str, Any]) -> BaseException:
    """The exception the implementation raised, rebuilt here by its name only: its message (and where it was
    raised) would tell implementations apart beyond what the contract says."""
    name = answer.get("raised")
    if not isinstance(name, str):
        return RuntimeError("the function under test did not return: it hung or ended its process")
    message = f"the function under test raised {name}"
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(message)
        except TypeError:  # an exception that needs more arguments (UnicodeDecodeError)
            pass
    return Exception(message)


class Session:
    """The test running now (one at a time)."""

    current: Running | None = None


def tests(module: Any, fixture: str) -> list[list[str]]:
    """The module's tests in the order they are defined: [name, problem], the problem '' when it can run."""
    found = []
    for name, value in vars(module).items():
        if not name.startswith("test") or not inspect.isfunction(value):
            continue
        try:
            parameters = list(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            parameters = []
        unknown = [p for p in parameters if p != fixture]
        problem = (f"asks for {', '.join(unknown)}; a test here can ask for {fixture} only" if unknown else "")
        found.append([name, problem])
    return found


def start(module: Any, name: str, fixture: str) -> dict[str, Any]:
    """Start test `name` and return its first event."""
    Session.current = Running(module, vars(module)[name], fixture)
    return Session.current.events.get()


def resume(module: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """Hand the running test the answer to its call and return its next event."""
    running = Session.current
    if running is None:
        raise RuntimeError("no test is running")
    running.answers.put(answer)
    return running.events.get()
