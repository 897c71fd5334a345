"""The lazy SessionState (gendemo/app/session_state.py) holds what Gradio's own holds, once read."""

import gradio as gr
from gradio.state_holder import SessionState

from gendemo.app import session_state


def _demo():
    with gr.Blocks() as demo:
        a = gr.Textbox("hello", label="a")
        b = gr.Slider(0, 10, value=3, label="b")
        s = gr.State({"k": 1})
        gr.Button("go").click(lambda x, y: (x, y), [a, b], [a, b])
    return demo, a, b, s


def _both(demo):
    assert session_state.install()
    eager = SessionState.__new__(SessionState)
    SessionState.gradio_init(eager, demo)
    return eager, SessionState(demo)


def test_the_lazy_session_renders_the_same_configs():
    demo, a, b, s = _demo()
    eager, lazy = _both(demo)
    assert isinstance(lazy.config_values, session_state.LazyConfigs) and not dict.__len__(lazy.config_values)
    assert {k: v for k, v in vars(eager).items() if k not in ("config_values", "blocks_config")} == {
        k: v for k, v in vars(lazy).items() if k not in ("config_values", "blocks_config")
    }
    assert len(lazy.config_values) == len(eager.config_values)
    assert list(lazy.components) == list(eager.components)  # a deep link renders every entry, in the same order


def test_updates_land_in_the_lazy_session_as_in_gradios():
    demo, a, b, s = _demo()
    eager, lazy = _both(demo)
    for st in (eager, lazy):
        st._update_value_in_config(a._id, "changed")
        st[s._id] = {"k": 2}
        st[b._id] = gr.Slider(0, 20, value=7, label="b")
    assert lazy.config_values[a._id] == eager.config_values[a._id]
    assert lazy.config_values[a._id]["props"]["value"] == "changed"
    assert lazy.config_values[b._id] == eager.config_values[b._id] and lazy[s._id] == {"k": 2}
    assert dict(lazy.config_values.items()) == dict(eager.config_values.items())
