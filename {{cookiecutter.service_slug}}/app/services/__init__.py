"""Business logic: no HTTP and no driver types in here."""
