"""HTTP kind: the learner's `create_app` builds an ASGI app; the worker serves it with uvicorn on a Unix
socket (`worker.py`), and the tests talk to it with httpx and look at its files from outside (`served.py`)."""

from dojo.kinds import Kind

KIND = Kind("http", "an ASGI app served by uvicorn in the worker, tested over real HTTP", worker="worker.py",
            extra="http")
