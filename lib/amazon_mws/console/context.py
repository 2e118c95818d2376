"""What every route of the console needs, in one object on the app: the workspace, the manifest, the
token, the templates, and the OAuth states of consents under way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse

from amazon_mws.console.workspace import Workspace
from amazon_mws.runtime.manifest import Manifest


@dataclass
class Console:
    """What every route needs: the workspace, the manifest, the token, the templates, OAuth states."""

    workspace: Workspace
    manifest: Manifest
    token: str
    templates: Environment
    oauth_states: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:  # the token is a secret
        return f"Console({self.workspace!r})"

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        page = self.templates.get_template(name).render(request=request, manifest=self.manifest, **context)
        return HTMLResponse(page, status_code=status)


def console_of(request: Request) -> Console:
    return request.app.state.console
