"""camera_registry."""
