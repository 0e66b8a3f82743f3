from .matrix import clients, world  # noqa: F401 (the access matrix's module-scoped fixtures)
