"""The use cases: each takes a session, an actor and plain values, and raises DomainError."""
