"""Django's PostgreSQL backend, batching its writes under the protocol's parameter limit."""
