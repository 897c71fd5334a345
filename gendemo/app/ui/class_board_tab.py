"""The Board tab (issue 32): the class's finished live runs as one experiment — final KL against the knob that varied,
coloured by recipe, and the list of runs. Shown only when the server was started with --class-board
(gendemo/app/class_board.py keeps the runs); the teacher clears it with the token printed at start."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from gendemo.app import class_board
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import txt

TAB_KEY = "board.tab"
REFRESH_SECONDS = 10  # an open board looks for new runs this often (a dictionary read)
AXES = (*class_board.KNOBS, "from_epoch", "epochs", "seed")

STRINGS = {
    "en": {
        "board.tab": "Class board",
        "board.intro": (
            "Every run of **Train it yourself** that finishes in this class lands here: its knobs, how many epochs it "
            "trained, its final KL (0 is every digit equally often, 2.30 one digit only) and its digit shares. No "
            "names, nothing typed. Pick the knob the class varied to see what it did to the collapse."
        ),
        "board.x": "Knob on the horizontal axis",
        "board.auto": "the one that varied most",
        "board.refresh": "Refresh",
        "board.plot": "Final KL of each run",
        "board.kl": "final KL (nats)",
        "board.recipe": "recipe",
        "board.table": "The class's runs",
        "board.count": "**{n}** runs on the board (it keeps at most {cap}, and {per} per learner).",
        "board.empty": "No finished runs yet: they appear here when a run of Train it yourself ends.",
        "board.token": "Teacher's token (printed when the server started)",
        "board.clear": "Clear the board",
        "board.cleared": "The board was cleared ({n} runs removed).",
        "board.bad_token": "That is not the token printed when the server started; nothing was cleared.",
        "board.col.number": "run",
        "board.col.top": "most drawn digit",
    },
    "zh-CN": {
        "board.tab": "全班看板",
        "board.intro": (
            "本班在**亲手训练**里每完成一次训练，结果都会出现在这里：它的各项设置、训练了多少个周期、最终的 KL"
            "（0 表示各数字一样多，2.30 表示只有一个数字）以及各数字所占的比例。不记名字，也没有任何手写内容。"
            "选出全班改动过的那项设置，看看它对模式崩溃有什么影响。"
        ),
        "board.x": "横轴上的设置",
        "board.auto": "变化最多的那一项",
        "board.refresh": "刷新",
        "board.plot": "每次训练的最终 KL",
        "board.kl": "最终 KL（奈特）",
        "board.recipe": "配方",
        "board.table": "全班的训练",
        "board.count": "看板上有 **{n}** 次训练（最多保留 {cap} 次，每位学习者 {per} 次）。",
        "board.empty": "还没有完成的训练：亲手训练里的一次训练结束后就会出现在这里。",
        "board.token": "教师口令（服务器启动时打印出来的）",
        "board.clear": "清空看板",
        "board.cleared": "看板已清空（删除了 {n} 次训练）。",
        "board.bad_token": "这不是服务器启动时打印的口令；没有清空任何内容。",
        "board.col.number": "编号",
        "board.col.top": "画得最多的数字",
    },
}


def varied(entries) -> str:
    """The knob with the most distinct values among the runs; the epochs trained when no knob varied (the seed is
    never what a class varies on purpose)."""
    knobs = (*class_board.KNOBS, "from_epoch")  # forks of the recorded run from different epochs vary that
    counts = {k: len({getattr(e, k) for e in entries}) for k in knobs}
    best = max(counts.values(), default=0)
    return next((k for k in knobs if counts[k] == best and best > 1), "epochs")


def view(axis: str, lang: str):
    """The board's plot, table and count for one language, with `axis` ("auto" or a knob) on the x axis."""
    board = class_board.BOARD
    entries = board.runs() if board is not None else []
    x = varied(entries) if axis in (None, "", "auto") else axis
    if x not in AXES:
        x = varied(entries)
    kl, recipe = tr("board.kl", lang), tr("board.recipe", lang)
    names = {"chapter": tr("gan.r_chapter", lang), "remedy": tr("gan.r_remedy", lang)}
    points = pd.DataFrame(
        [{x: getattr(e, x), kl: e.kl, recipe: names.get(e.recipe, e.recipe)} for e in entries],
        columns=[x, kl, recipe],
    )
    plot = gr.ScatterPlot(value=points, x=x, y=kl, color=recipe, x_title=x, y_title=kl)
    top = tr("board.col.top", lang)
    rows = [
        {
            tr("board.col.number", lang): e.number,
            recipe: names.get(e.recipe, e.recipe),
            **{k: getattr(e, k) for k in (*class_board.KNOBS, "seed", "from_epoch", "epochs")},
            "KL": e.kl,
            top: f"{max(range(10), key=lambda d: e.shares[d])} ({max(e.shares):.0f} %)" if e.shares else "",
        }
        for e in entries
    ]
    table = pd.DataFrame(rows)
    if not entries:
        count = tr("board.empty", lang)
    else:
        count = tr("board.count", lang, n=len(entries), cap=board.cap, per=board.per_session)
    return plot, table, count


def build_tab() -> gr.Tab:
    """The tab, hidden unless the board is on (a page load shows it then); called inside the page's gr.Tabs."""
    with gr.Tab(txt(TAB_KEY), id="board", elem_id="tab-board", visible=False) as tab:
        gr.Markdown(txt("board.intro"))
        with gr.Row():
            axis = gr.Dropdown(
                [(txt("board.auto"), "auto"), *[(k, k) for k in AXES]],
                value="auto",
                label=txt("board.x"),
                elem_id="board-x",
                scale=2,
            )
            refresh = gr.Button(txt("board.refresh"), elem_id="board-refresh", scale=1)
        count = gr.Markdown(elem_id="board-count")
        plot = gr.ScatterPlot(label=txt("board.plot"), elem_id="board-plot")
        table = gr.Dataframe(label=txt("board.table"), interactive=False, elem_id="board-table")
        with gr.Accordion(txt("board.clear"), open=False, elem_id="board-teacher"):
            with gr.Row():
                token = gr.Textbox(label=txt("board.token"), type="password", elem_id="board-token", scale=3)
                clear = gr.Button(txt("board.clear"), variant="stop", elem_id="board-clear", scale=1)
            cleared = gr.Markdown(elem_id="board-cleared")
        timer = gr.Timer(REFRESH_SECONDS, active=False)

    def show(axis, request: gr.Request = None):
        return view(axis, lang_of(request))

    def opened(axis, request: gr.Request = None):
        on = class_board.BOARD is not None
        shown = show(axis, request) if on else (gr.skip(), gr.skip(), gr.skip())
        return (gr.Tab(visible=on), gr.Timer(active=on), *shown)

    def clear_board(token_text, axis, request: gr.Request = None):
        lang = lang_of(request)
        board = class_board.BOARD
        n = board.clear(token_text or "") if board is not None else None
        said = tr("board.bad_token", lang) if n is None else tr("board.cleared", lang, n=n)
        return (said, "", *show(axis, request))

    quiet = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    root = gr.context.Context.root_block
    root.load(opened, [axis], [tab, timer, plot, table, count], **quiet)
    for event in (refresh.click, axis.change, timer.tick):
        event(show, [axis], [plot, table, count], **quiet)
    clear.click(clear_board, [token, axis], [cleared, token, plot, table, count], **quiet)
    return tab
