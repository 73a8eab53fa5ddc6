"""Function kind: the learner writes plain functions or classes; tests call them through the proxy."""

from dojo.kinds import Kind

KIND = Kind("function", "plain functions and classes, called with generated arguments")
