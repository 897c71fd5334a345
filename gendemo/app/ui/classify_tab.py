"""The judge: draw or upload a digit and see what the project's classifier thinks (/classify)."""

from __future__ import annotations

import gradio as gr
import torch

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import (
    ImageInput,
    SketchInput,
    example_caching,
    guarded,
    latest_input_wins,
    model,
    path_of,
    picture,
    txt,
)
from gendemo.classifier.model import predict
from gendemo.classifier.preprocess import mnist_preprocess
from gendemo.core.images import ink_of, to_pil

TAB_KEY = "classify.tab"
CLASSIFY = ENDPOINTS["classify"]

STRINGS = {
    "en": {
        "classify.tab": "Digit classifier",
        "classify.intro": (
            "This convolutional network is the referee of the whole app: it counts which digits the GAN produces, "
            "checks the conditional GAN and the diffusion model, and its inner features measure how close generated "
            "digits are to real ones. Draw a digit (or upload a photo of one) and see what it thinks. Your drawing is "
            "prepared the way MNIST digits were: made white on black, cropped, scaled to fit 20×20 pixels and centred "
            "by its centre of mass in a 28×28 frame — the small picture shows exactly what the network sees.\n\n"
            "**Try this:** draw a 7 with a bar through it, then a 1 with a big hook, and watch the confidence move."
        ),
        "classify.draw": "Draw a digit",
        "classify.upload": "…or upload an image",
        "classify.button": "Classify",
        "classify.probs": "What the classifier thinks",
        "classify.seen": "What the network sees (28×28)",
    },
    "zh-CN": {
        "classify.tab": "数字分类器",
        "classify.intro": (
            "这个卷积神经网络是整个应用的裁判：它统计 GAN 生成了哪些数字，检验条件 GAN 和扩散模型是否听话，"
            "它内部的特征还用来衡量生成的数字与真实数字有多接近。画一个数字（或上传一张数字照片），看看它怎么判断。"
            "你的图会按 MNIST 当年的方式处理：变成黑底白字、裁剪、缩放到 20×20 像素以内，"
            "再按质心放进 28×28 的画面中央——旁边的小图就是网络真正看到的样子。\n\n"
            "**试一试**：画一个中间带横杠的 7，再画一个带大钩的 1，看看置信度如何变化。"
        ),
        "classify.draw": "画一个数字",
        "classify.upload": "……或上传一张图片",
        "classify.button": "识别",
        "classify.probs": "分类器的判断",
        "classify.seen": "网络看到的图像（28×28）",
    },
}


@CLASSIFY.handler
def classify(drawing, upload, request: gr.Request = None):
    lang = lang_of(request)
    path = path_of(upload) or path_of(drawing)
    if not path:
        raise gr.Error(tr("err.no_image", lang))
    ink = ink_of(path)
    if ink.max() - ink.min() < 0.05:
        raise gr.Error(tr("err.no_image", lang))
    digit = mnist_preprocess(ink)  # (28, 28) in [0, 1]
    x = torch.from_numpy(digit)[None, None]
    net = model("classifier", lang)
    probs, _ = predict(net, x.to(next(net.parameters()).device))
    p = probs[0].cpu().tolist()
    return {str(i): float(p[i]) for i in range(10)}, to_pil(x[0], scale=8)


@guarded
def classify_live(drawing=None, request: gr.Request = None):
    """The reading while the learner draws: after every stroke, the drawing alone (the stroke has just removed any
    upload). A canvas without ink (just cleared) leaves the last reading in place instead of raising an error."""
    path = path_of(drawing)
    if not path:
        return gr.skip(), gr.skip()
    ink = ink_of(path)
    if ink.max() - ink.min() < 0.05:
        return gr.skip(), gr.skip()
    return classify(drawing, None, request=request)


def build():
    gr.Markdown(txt("classify.intro"))
    with gr.Row():
        with gr.Column():
            drawing = SketchInput(
                label=txt("classify.draw"),
                type="filepath",
                image_mode="RGBA",
                canvas_size=(280, 280),
                brush=gr.Brush(colors=["#000000"], default_size=18, color_mode="fixed"),
                format="png",
                elem_id="classify-draw",
            )
            # under the sketchpad, so that it shows in a laptop's first screen (the reading follows the pen anyway)
            button = gr.Button(txt("classify.button"), variant="primary", elem_id="classify-button")
            upload = ImageInput(
                label=txt("classify.upload"),
                type="filepath",
                sources=["upload", "clipboard"],
                height=200,
                elem_id="classify-upload",
            )
        with gr.Column():
            probs = gr.Label(label=txt("classify.probs"), num_top_classes=3, elem_id="classify-probs")
            seen = picture(txt("classify.seen"), "classify-seen", height=240)
    examples = gr.Examples(
        examples=[[None, "examples/digit_7.png"], [None, "examples/digit_3_photo.png"]],
        inputs=[drawing, upload],
        outputs=[probs, seen],
        fn=classify,
        **example_caching(),
        api_visibility="private",
    )
    latest_input_wins(drawing, upload)  # a new drawing replaces an uploaded picture; a new upload wins over a drawing
    # Every reading of this tab runs in one line, in the order the learner asked for them: run side by side, a Classify
    # click sent just before an upload could finish after it and show the drawing's reading over the new picture's.
    # A reading takes milliseconds, so the line never grows long. That line is the endpoint's lane (CLASSIFY).
    button.click(classify, [drawing, upload], [probs, seen], **CLASSIFY.event())
    # after the button, which keeps its api_name: an example fills the inputs and then runs (run_on_click would
    # add a public-looking event)
    examples.load_input_event.then(classify, [drawing, upload], [probs, seen], **CLASSIFY.event(private=True))
    # the reading follows the pen: every stroke classifies the drawing (a few milliseconds), the latest stroke winning
    drawing.input(
        classify_live,
        [drawing],
        [probs, seen],
        trigger_mode="always_last",
        show_progress="hidden",
        **CLASSIFY.event(private=True),
    )
    upload.upload(classify, [drawing, upload], [probs, seen], **CLASSIFY.event(private=True))
