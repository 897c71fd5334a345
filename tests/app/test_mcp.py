"""The MCP server (`python app.py --mcp`; the shared fixture launches the app so): one tool per public endpoint, each
with its description and one for every parameter, and a tool call that draws digits."""

import base64
import importlib.util
import io
from datetime import timedelta

import pytest
from PIL import Image
from support import need, run_async

from gendemo.app.api_docs import endpoint_docs


def _session(url, work):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async def run():
        async with streamablehttp_client(url) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await work(session)

    return run_async(run())


@pytest.fixture(scope="module")
def mcp_url(app_client):
    need(importlib.util.find_spec("mcp") is not None, "mcp is not installed (pip install -r requirements.txt)")
    return app_client.base_url + "gradio_api/mcp/"


def test_every_public_endpoint_is_a_described_tool(app_client, mcp_url):
    import app

    tools = _session(mcp_url, lambda s: s.list_tools())
    by_name = {t.name: t for t in tools.tools}
    public = {dep.fn.__name__: f"/{dep.api_name}" for dep in app.demo.fns.values() if dep.api_visibility == "public"}
    print("\nMCP tools:", ", ".join(sorted(by_name)))
    assert set(by_name) == set(public), (sorted(by_name), sorted(public))
    docs = endpoint_docs(app.demo)
    for name, tool in by_name.items():
        doc = docs[public[name]]
        assert tool.description.startswith(doc.does), (name, tool.description)
        props = tool.inputSchema["properties"]
        assert set(props) == set(doc.api_texts()), (name, sorted(props))
        for param, schema in props.items():
            assert schema.get("description") == doc.api_texts()[param], (name, param, schema)


def test_a_tool_call_draws_digits(mcp_url):
    async def call(session):
        return await session.call_tool("gan_sample", {"n": 4, "seed": 0}, read_timeout_seconds=timedelta(seconds=120))

    result = _session(mcp_url, call)
    assert not result.isError, result.content
    images = [c for c in result.content if c.type == "image"]
    assert images, [c.type for c in result.content]
    img = Image.open(io.BytesIO(base64.b64decode(images[0].data)))
    assert img.width > 28 and img.height > 28  # a grid of 4 digits, enlarged
