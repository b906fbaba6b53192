"""anpr."""
