"""core.http.Session: the environment's proxy settings read once per host, with requests' own answers."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
import requests
import requests.sessions

from amazon_mws.core.http import Session, send


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")


@pytest.mark.parametrize("url", ["https://sellingpartnerapi-na.amazon.com/orders/v0/orders", "http://127.0.0.1:9/x"])
def test_the_settings_are_requests_own(url: str, proxy_env: None) -> None:
    ours = Session().merge_environment_settings(url, {}, True, None, None)
    theirs = requests.Session().merge_environment_settings(url, {}, True, None, None)
    assert ours == theirs
    assert ("https" in ours["proxies"]) is url.startswith("https://sellingpartnerapi")  # NO_PROXY kept


def test_the_environment_is_read_once_per_host(
    server: str, proxy_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real = requests.sessions.get_environ_proxies

    def counted(url: str, no_proxy: str | None = None) -> dict[str, str]:
        reads.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counted)
    session = Session()
    bodies = [send(session, "GET", f"{server}/page/{n}", data=None, headers={}, timeout=(5, 5), max_bytes=1000,
                   what="test")[2] for n in range(3)]
    assert bodies == [b"/page/0", b"/page/1", b"/page/2"]  # each request its own URL, answered
    assert len(reads) == 1
    session.merge_environment_settings("https://api.amazon.com/auth/o2/token", {}, True, None, None)
    assert len(reads) == 2  # another host: read for it
    settings = session.merge_environment_settings(f"{server}/again", {}, True, None, None)
    settings["proxies"]["http"] = "http://changed.invalid"  # a caller's change does not reach the cache
    assert "http" not in session.merge_environment_settings(f"{server}/again", {}, True, None, None)["proxies"]
    assert len(reads) == 2
