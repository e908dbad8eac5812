"""The package version, in a module of its own so that any layer can read it without importing
the package root (whose ``NemoWidget`` and magics hooks reach the faces)."""

__version__ = "0.1.0"
