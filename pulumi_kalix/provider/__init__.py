"""The provider side: one `ResourceProvider` per kind, pickled by reference.

These module paths are stored in every stack's state (`__provider`): never rename
them without leaving a compatibility shim behind.
"""
