"""kalix-local: a local Kalix control plane (FastAPI + SQLite) for development and tests."""
