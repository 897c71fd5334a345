"""English and Simplified Chinese text for the UI.

Component text goes through gr.I18n (translated in the browser from its language); text a handler produces (errors,
explanations, plot labels) goes through `tr(key, lang)` with the language of the request. Each tab module keeps its own
STRINGS = {"en": {...}, "zh-CN": {...}}; this module merges them (the tabs are listed in gendemo/app/tabs.py).
"""

from __future__ import annotations

LANGS = ("en", "zh-CN")

COMMON = {
    "en": {
        "app.title": "# gendemo — generative AI you can touch",
        "app.intro": (
            "This app goes with the chapter on generative AI. Every model here was trained by this project on MNIST "
            "handwritten digits, small enough to run on a laptop CPU. Work through the tabs from left to right: first "
            "a GAN learns to forge digits and reveals its favourite ones, a conditional GAN takes orders, and you walk "
            "through its noise space; then images dissolve into noise and a diffusion model learns to run that film "
            "backwards, guided by your words. The digit classifier at the end is the judge used throughout."
        ),
        "app.lang_note": (
            "The page's language follows your browser (English / 简体中文); to switch, change the browser's preferred "
            "language and reload."
        ),
        "common.seed": "Seed",
        "common.run": "Run",
        "common.unavailable": "This tab is switched off: {why}",
        "err.internal": "Something went wrong on the server while handling this request. Please try again.",
        "err.not_int": "{name} must be a whole number, not {value!r}.",
        "err.not_number": "{name} must be a number, not {value!r}.",
        "err.range": "{name} must be between {lo} and {hi}; got {value}.",
        "err.no_image": "Please draw a digit or upload an image first.",
        "err.choice": "{name} must be one of: {choices} (got {value!r}).",
        "err.not_text": "{name} must be text, not {value}.",
        "err.too_long": "{name} is {n} characters long; at most {max} are accepted.",
        "err.bad_image": "That image could not be used: {why}.",
        "note.clamped": "{name} was set to {value} (allowed: {lo}–{hi}).",
        "err.title": "Error",
        "common.examples": "Examples",
        # Gradio's own keys, for the words of its image editor that its Chinese table lacks (same English wording)
        "image_editor.select_draw_tool": "select the draw tool to start",
        "image_editor.brush": "Brush",
        "image_editor.erase": "Erase",
        "image_editor.brush_size": "Brush size",
        "image_editor.eraser_size": "Eraser size",
        "image_editor.clear_canvas": "Clear canvas",
        "image_editor.pan": "Pan",
        "image_editor.zoom_in": "Zoom in",
        "image_editor.zoom_out": "Zoom out",
        "image_editor.redo": "Redo",
        "image_editor.fit_to_screen": "Fit to screen",
        "limits.busy": "The app is busy right now (every place in the queue is taken). Please try again in a minute.",
        "limits.too_big": "That request is {mb:.0f} MB; the app accepts at most {max:.0f} MB at once.",
        "limits.no_length": "Uploads must say how large they are (a Content-Length header).",
    },
    "zh-CN": {
        "app.title": "# gendemo —— 亲手体验生成式人工智能",
        "app.intro": (
            "本应用配合“生成式人工智能”一章使用。这里的每个模型都由本项目在 MNIST 手写数字上训练，"
            "小到笔记本电脑的 CPU 也能运行。请从左到右依次浏览各个标签页：先是一个 GAN 学着伪造数字，"
            "并暴露出它偏爱的几个数字；接着条件 GAN 按指令生成，你还可以在它的噪声空间里漫步；然后图像逐步溶解为噪声，"
            "扩散模型在你的文字引导下学会把这个过程倒着放。最后一个标签页里的数字分类器，是贯穿全程的评判者。"
        ),
        "app.lang_note": "界面语言跟随浏览器设置（English / 简体中文）；如需切换，请修改浏览器的首选语言后刷新页面。",
        "common.seed": "随机种子",
        "common.run": "运行",
        "common.unavailable": "此标签页已停用：{why}",
        "err.internal": "服务器处理这个请求时出了问题，请再试一次。",
        "err.not_int": "{name} 必须是整数，而不是 {value!r}。",
        "err.not_number": "{name} 必须是数字，而不是 {value!r}。",
        "err.range": "{name} 必须在 {lo} 到 {hi} 之间；收到的是 {value}。",
        "err.no_image": "请先画一个数字或上传一张图片。",
        "err.choice": "{name} 只能取以下值之一：{choices}（收到的是 {value!r}）。",
        "err.not_text": "{name} 必须是文字，而不是 {value}。",
        "err.too_long": "{name} 有 {n} 个字符，最多只接受 {max} 个。",
        "err.bad_image": "无法使用这张图片：{why}。",
        "limits.busy": "应用现在很忙（排队的位置都满了），请过一分钟再试。",
        "limits.too_big": "这个请求有 {mb:.0f} MB，应用一次最多接受 {max:.0f} MB。",
        "limits.no_length": "上传时必须说明大小（Content-Length 请求头）。",
        "note.clamped": "{name} 已被设为 {value}（允许范围：{lo}–{hi}）。",
        "err.title": "出错了",
        "common.examples": "示例",
        "image_editor.select_draw_tool": "选择左侧的画笔即可开始画",
        "image_editor.brush": "画笔",
        "image_editor.erase": "橡皮擦",
        "image_editor.brush_size": "画笔大小",
        "image_editor.eraser_size": "橡皮擦大小",
        "image_editor.clear_canvas": "清空画布",
        "image_editor.pan": "平移",
        "image_editor.zoom_in": "放大",
        "image_editor.zoom_out": "缩小",
        "image_editor.redo": "重做",
        "image_editor.fit_to_screen": "适应屏幕",
    },
}


def all_strings() -> dict[str, dict[str, str]]:
    merged = {lang: dict(COMMON[lang]) for lang in LANGS}
    from gendemo.app.tabs import string_modules

    for mod in string_modules():
        for lang in LANGS:
            for k, v in getattr(mod, "STRINGS", {}).get(lang, {}).items():
                if k in merged[lang] and merged[lang][k] != v:
                    raise ValueError(f"string key {k!r} defined twice")
                merged[lang][k] = v
    return merged


_CACHE: dict[str, dict[str, str]] | None = None


def tr(key: str, lang: str = "en", **fmt) -> str:
    global _CACHE
    if _CACHE is None:
        _CACHE = all_strings()
    table = _CACHE.get(lang, _CACHE["en"])
    text = table.get(key, _CACHE["en"].get(key, key))
    return text.format(**fmt) if fmt else text


def lang_of(request) -> str:
    """'zh-CN' when the browser prefers Chinese (Accept-Language), else 'en'."""
    try:
        header = request.headers.get("accept-language", "") if request is not None else ""
    except Exception:
        header = ""
    first = header.split(",")[0].strip().lower()
    return "zh-CN" if first.startswith("zh") else "en"


class I18nLabel:
    """txt("key") for component text: the key must exist in both languages
    (checked here, so a typo fails at build time)."""

    def __call__(self, key: str):
        import gradio as gr

        s = all_strings_cached()
        if key not in s["en"] or key not in s["zh-CN"]:
            raise KeyError(f"UI string {key!r} is missing from a language")
        return gr.i18n.I18nData(key)


def all_strings_cached() -> dict[str, dict[str, str]]:
    global _CACHE
    if _CACHE is None:
        _CACHE = all_strings()
    return _CACHE


def gradio_i18n():
    import gradio as gr

    s = all_strings()
    # The browser may report zh, zh-CN or zh-Hans; give the frontend each spelling.
    return gr.I18n(**{"en": s["en"], "zh-CN": s["zh-CN"], "zh": s["zh-CN"]})
