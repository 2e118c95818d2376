"""The component runtime: manifest, messages and emitter, validation, state stores, executors, CLI commands.

Modules, one idea each (see docs/architecture.md):

- ``paths``: where component.json lives (env, checkout, installed copy).
- ``manifest``: loads component.json, imports step modules by file path, checks it all at load time.
- ``validation``: draft-03 validators for cfg, incoming and emitted bodies (compiled once, $ref across files).
- ``message``: ``Message`` and ``LazyList`` (a re-iterable body value too big to hold in memory).
- ``emitter``: the step's ``ctx`` and its six words (data, snapshot, updateSnapshot, error, rebound, end).
- ``state``: ``StateStore`` (Redis or SQLite): namespaces with atomic replace/merge and durable lists.
- ``executor``: the in-process executor (``run_step``); the Celery one is ``amazon_mws.workers``.
- ``waits``: a step's wait (a submitted feed) handed to the worker running it, pollers by name.
- ``rebound``: ``ReboundPolicy`` and ``decide``, the one answer to "run a rebounded message again, or stop?".
- ``designer``: select models and dynamic metadata; ``commands``: ``amazon-mws run|verify|metadata|select``.
- ``secrets``: redaction of secret values from logs and errors; ``logs``: stderr logging set-up.
"""
