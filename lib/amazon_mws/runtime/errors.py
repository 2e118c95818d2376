"""Runtime error types.

Each one carries a message that names the place at fault (a file and JSON path, or a field and a rule),
because the people reading them are flow designers and operators, not the code's authors.
"""

from __future__ import annotations


class RuntimeComponentError(Exception):
    """Base of the runtime's own errors."""


class ManifestError(RuntimeComponentError):
    """component.json (or something it points at) is broken: raised at load time, not mid-run."""


class UnknownStepError(RuntimeComponentError, KeyError):
    """A step name that is not a trigger or action of the component."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ValidationError(RuntimeComponentError, ValueError):
    """Bad input (cfg or a body) or a bad emitted body. ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


class ReboundLimitError(RuntimeComponentError):
    """A message was rebounded more times than allowed (its name is the error event's type: runtime.rebound)."""
