"""Flows: the flow file (a trigger, its actions, a sink), the sinks, and the in-process runner."""
