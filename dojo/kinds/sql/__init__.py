"""SQL kind: the learner's functions return SQLAlchemy 2 statements on the tables of `tables.py`; the worker
compiles them (`worker.py`), and the trusted side runs the SQL on its own connection (`database.py`), on
SQLite and on every PostgreSQL configured (`plugin.py`)."""

from dojo.kinds import Kind

KIND = Kind("sql", "SQLAlchemy 2 statements, run by the tests on SQLite and PostgreSQL", worker="worker.py",
            learner_api=("tables.py",), plugin="plugin", extra="sql")
