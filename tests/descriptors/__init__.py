"""Kalix descriptors in and out: load/dump, resources from descriptors, the CLI."""
