"""Every public endpoint is documented (what it does, each parameter, what it returns), and view_api() shows it."""

import app
from gendemo.app.api_docs import endpoint_docs
from gendemo.app.endpoints import ENDPOINTS


def _api_info():
    return app.demo.get_api_info()["named_endpoints"]


def test_every_public_endpoint_has_its_documentation():
    info, docs = _api_info(), endpoint_docs(app.demo)
    missing = sorted(set(info) - set(docs))
    assert not missing, f"document these endpoints in gendemo/app/api_docs.py: {missing}"
    for name, ep in info.items():
        doc = docs[name]
        params = [p["parameter_name"] for p in ep["parameters"]]
        texts = doc.api_texts()
        assert list(texts) == params, f"{name}: declared {list(texts)}, the endpoint takes {params}"
        assert len(doc.returns) == len(ep["returns"]), f"{name}: {len(ep['returns'])} outputs"
        assert all(text.strip() for text in texts.values()) and doc.does.strip()


def test_no_declaration_for_endpoints_that_do_not_exist():
    used = set(map(id, endpoint_docs(app.demo).values()))
    stale = sorted(name for name, ep in ENDPOINTS.items() if id(ep) not in used)
    assert not stale, f"gendemo/app/endpoints.py declares endpoints the app no longer has: {stale}"


def test_view_api_shows_descriptions_parameters_and_returns(app_client):
    info = app_client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    docs = endpoint_docs(app.demo)
    for name, ep in info.items():
        doc = docs[name]
        assert ep["description"] == doc.description(), name
        for p in ep["parameters"]:
            assert p["python_type"]["description"] == doc.api_texts()[p["parameter_name"]], (name, p["parameter_name"])
            assert not p["label"].startswith("__i18n__"), (name, p["label"])
        assert [r["label"] for r in ep["returns"]] == [n for n, _ in doc.returns], name
    text = app_client.view_api(print_info=False, return_format="str")
    assert "How many digits, 1 to 256." in text  # a parameter's description, printed beside it
    assert "__i18n__" not in text
