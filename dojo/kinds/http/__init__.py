"""HTTP kind: the learner's `create_app` builds an ASGI app from the test's arguments (test doubles such as a fake
clock or users made in the worker); the worker serves it with uvicorn (`worker.py`), and the tests talk to it
with httpx, move its clock, and look at its files from outside (`served.py`). Learners import users and password
hashing as `dojo.auth` (`auth.py`)."""

from dojo.kinds import Kind

KIND = Kind("http", "an ASGI app served by uvicorn in the worker, tested over real HTTP", worker="worker.py",
            learner_api=("auth.py",), extra="http")
