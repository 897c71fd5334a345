"""The API page, `view_api()` and the MCP tools (python app.py --mcp) in the words of the endpoint declarations
(gendemo/app/endpoints.py): what each public endpoint does, what each parameter means and what comes back.

Gradio takes an endpoint's description from `api_description` and, for MCP, each parameter's from an "Args:" section
in the handler's docstring; both are applied once the Blocks are built.
"""

from __future__ import annotations

import json

import gradio as gr

from gendemo.app.endpoint import Endpoint
from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import tr


def endpoint_docs(demo: gr.Blocks) -> dict[str, Endpoint]:
    """Each public endpoint's declaration, by its API name. It is found by that name or by its handler's: Gradio numbers
    an endpoint whose name another event of the same handler already took (/latent_vector_10)."""
    out = {}
    for dep in demo.fns.values():
        if dep.api_visibility == "public" and dep.fn is not None:
            ep = ENDPOINTS.get(dep.api_name) or ENDPOINTS.get(getattr(dep.fn, "__name__", ""))
            if ep is not None:
                out[f"/{dep.api_name}"] = ep
    return out


def document(demo: gr.Blocks) -> None:
    """Give every documented public endpoint its description and its handler the docstring MCP reads."""
    docs = endpoint_docs(demo)
    for dep in demo.fns.values():
        doc = docs.get(f"/{dep.api_name}") if dep.api_visibility == "public" else None
        if doc is not None:
            dep.api_description = doc.description()
            dep.fn.__doc__ = doc.docstring()


def english(label) -> str:
    """A component label as the API shows it: translated labels arrive as '__i18n__{…"key": …}'."""
    s = str(label)
    if s.startswith("__i18n__"):
        try:
            return tr(json.loads(s[len("__i18n__") :])["key"], "en")
        except (ValueError, KeyError, TypeError):
            return s
    return s


def annotate(info: dict, docs: dict[str, Endpoint]) -> dict:
    """Parameter and return descriptions, and English labels, in Gradio's API info (view_api, the API page, MCP)."""
    for name, ep in info.get("named_endpoints", {}).items():
        doc = docs.get(name)
        texts = doc.api_texts() if doc else {}
        for p in ep.get("parameters", []):
            p["label"] = english(p.get("label", ""))
            text = texts.get(p.get("parameter_name"))
            if text:
                p.setdefault("python_type", {})["description"] = text
                if isinstance(p.get("type"), dict):  # a copy: the schema dict belongs to the component's config
                    p["type"] = {**p["type"], "description": text}
        returns = ep.get("returns", [])
        for i, r in enumerate(returns):
            r["label"] = english(r.get("label", ""))
            if doc and len(doc.returns) == len(returns):
                r["label"] = doc.returns[i][0]
                r.setdefault("python_type", {})["description"] = doc.returns[i][1]
    return info


class DocumentedBlocks(gr.Blocks):
    """gr.Blocks whose API info carries the descriptions above (Gradio supports overriding get_api_info)."""

    def get_api_info(self, all_endpoints: bool = False, page: str | None = None):
        return annotate(super().get_api_info(all_endpoints=all_endpoints, page=page), endpoint_docs(self))
