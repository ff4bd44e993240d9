"""Moving events: the store and broker interface, its backends, and the hub."""
