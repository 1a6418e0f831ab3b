"""PMF API: a backend for English councils' Performance Management Frameworks."""

__version__ = "0.1.0"
