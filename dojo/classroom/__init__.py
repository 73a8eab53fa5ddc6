"""Handing out and collecting assignments: the student export and the Gradescope autograder."""
