"""Item events: the contract, the transactional outbox, the relay and the broker wiring."""
