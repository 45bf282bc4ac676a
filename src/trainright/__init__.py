"""trainright: lawful, provable AI-training datasets from a platform's user content."""

__version__ = "0.1.0"
