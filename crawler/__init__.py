"""sourcekeeper: archive the sources your documents cite."""

__version__ = "0.1.0"
