"""The kata tests run with the dojo's pytest plugin (options, fixtures, profiles, result records)."""

pytest_plugins = ["dojo.trusted.plugin"]
