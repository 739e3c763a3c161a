"""Storage of domain models; the only layer that knows the database driver."""
