"""Concurrency kind: learner objects shared by threads in the worker, which are made to switch inside the
learner's code, and learner decorators that retry or wait, run on scripted functions with recorded sleeps
(`worker.py`); the trusted side judges what each thread, call and sleep observed."""

from dojo.kinds import Kind

KIND = Kind("concurrency", "objects shared by threads, with thread switches forced inside the learner's code; "
            "decorators that wait, on recorded sleeps", worker="worker.py",
            scaffolded="{Name}")  # a class, named in CamelCase
