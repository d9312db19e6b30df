"""Widget groups that return plain dataclasses of a page's settings."""
