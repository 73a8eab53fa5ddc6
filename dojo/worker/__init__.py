"""The worker core: `main.py` is the only code that imports learner code, in its own process; `wire.py` is
the format both ends speak; `doubles.py` makes the test doubles the trusted side writes as plain data. All use the
standard library only, and run in the worker from copies."""
