"""The app's endpoints called the way a web page does: Gradio's HTTP API, one request to start an event and one stream
to read its result, then each output picture fetched by its URL.

The benchmark times endpoints this way as well as through gradio_client: that client adds a fixed ≈ 85 ms of its own
to every call on this machine (a do-nothing endpoint: 90-105 ms through it, 7.5 ms over plain HTTP), which would hide
the app's own time for the quick endpoints. Like a page, a client keeps one session: Gradio builds a new session's
state from every component's config (≈ 55 ms for this app's hundreds of components), once per page, not per call.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx

API = "/gradio_api"


class RestClient:
    def __init__(self, url: str, timeout: float = 120.0):
        self.base = url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)
        self.session_hash = secrets.token_hex(6)  # one page's session, kept across calls

    def _upload(self, value):
        """A gradio_client handle_file(...) argument → the FileData of the same file uploaded to the server."""
        if isinstance(value, dict) and value.get("meta", {}).get("_type") == "gradio.FileData":
            path = Path(value["path"])
            with path.open("rb") as f:
                r = self.http.post(f"{self.base}{API}/upload", files={"files": (path.name, f)})
            r.raise_for_status()
            return {"path": r.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
        return value

    def _fetch_files(self, value) -> int:
        """Download every file an output names (as the page shows its pictures); returns the bytes read."""
        if isinstance(value, dict):
            if value.get("url"):
                r = self.http.get(value["url"])
                r.raise_for_status()
                return len(r.content)
            return sum(self._fetch_files(v) for v in value.values())
        if isinstance(value, list | tuple):
            return sum(self._fetch_files(v) for v in value)
        return 0

    def call(self, api_name: str, *args, fetch_files: bool = True) -> list:
        name = api_name.lstrip("/")
        data = [self._upload(a) for a in args]
        r = self.http.post(f"{self.base}{API}/call/{name}", json={"data": data, "session_hash": self.session_hash})
        r.raise_for_status()
        event_id = r.json()["event_id"]
        event = None
        with self.http.stream("GET", f"{self.base}{API}/call/{name}/{event_id}") as s:
            for line in s.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    payload = json.loads(line.split(":", 1)[1])
                    if event == "error":
                        raise RuntimeError(f"{api_name} failed: {payload}")
                    if fetch_files:
                        self._fetch_files(payload)
                    return payload
        raise RuntimeError(f"{api_name}: the stream ended without a result")

    def close(self):
        self.http.close()
