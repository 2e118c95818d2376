"""The designer console: configure, try and run the component in a browser (`amazon-mws console`).

One local web app over the functions that already exist: the designer calls (select models, metadata,
verify), `run_step` for samples and single runs, the flow file format and its runners, the run status.
It is the top layer: it may import anything below it, and only `cli.py` imports it.

Screens: Credentials, Step, Sample, Flow, Runs (see docs/console.md). Starlette serves them, Jinja2
renders them, htmx swaps the live parts, and json-editor draws an action's input form from its draft-03
metadata; the two JavaScript libraries are vendored under `static/` with their licences.
"""
