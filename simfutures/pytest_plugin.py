"""pytest plugin: collects scenario files (being written)."""
