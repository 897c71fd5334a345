"""The plain-HTTP caller the benchmark times endpoints with: uploads, the event stream, the output files."""

import gradio as gr
import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from gendemo.app.rest_client import RestClient


@pytest.fixture(scope="module")
def tiny_app():
    def invert(img, k):
        if k < 0:
            raise gr.Error("k must not be negative")
        return Image.fromarray(255 - np.asarray(img.convert("L"))), k * 2

    with gr.Blocks() as demo:
        i, k, o, n = gr.Image(type="pil"), gr.Number(), gr.Image(type="pil"), gr.Number()
        gr.Button().click(invert, [i, k], [o, n], api_name="invert")
    demo.queue().launch(prevent_thread_lock=True, quiet=True)
    yield demo
    demo.close()


def test_rest_client_uploads_calls_and_fetches(tiny_app, tmp_path):
    src = tmp_path / "grey.png"
    Image.new("L", (8, 8), 40).save(src)
    rest = RestClient(tiny_app.local_url)
    out_img, doubled = rest.call("/invert", handle_file(str(src)), 3)
    assert doubled == 6 and out_img["url"]
    got = Image.open(__import__("io").BytesIO(rest.http.get(out_img["url"]).content)).convert("L")
    assert np.asarray(got).max() == 215  # 255 - 40: the server saw the uploaded picture
    with pytest.raises(RuntimeError, match="failed"):
        rest.call("/invert", handle_file(str(src)), -1)
    rest.close()
