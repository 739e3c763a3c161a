"""Request and response bodies: the service's public contract."""
