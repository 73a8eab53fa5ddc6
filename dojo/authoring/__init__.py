"""Authoring katas: the scaffold for new katas and the mutation audit of their hidden tests."""
