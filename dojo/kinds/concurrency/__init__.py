"""Concurrency kind: learner objects shared by threads in the worker, which are made to switch inside the
learner's code (`worker.py`); the trusted side judges what each thread observed."""

from dojo.kinds import Kind

KIND = Kind("concurrency", "objects shared by threads, with thread switches forced inside the learner's code",
            worker="worker.py")
