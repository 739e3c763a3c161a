"""Domain models: what the services work with, free of HTTP and driver types."""
