"""Test package (lets tests/ and tests/browser/ hold modules with the same basename)."""
