"""Thin FastAPI routers: parse, call the backend, return its result."""
