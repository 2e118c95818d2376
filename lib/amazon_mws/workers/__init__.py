"""The Celery side: the app and its queues, the tasks that run flows and waits, the Redis flow store, the
schedule. It runs steps by name through the runtime and never imports Amazon code (see docs/architecture.md)."""
