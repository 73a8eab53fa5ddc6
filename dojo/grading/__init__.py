"""Grading a cohort: the grader, the cage its workers run in, and the report it writes for people."""
