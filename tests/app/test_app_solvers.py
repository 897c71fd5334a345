"""/solver_comparison (#10 item 6) through gradio_client: DDPM vs DDIM vs DPM-Solver++ 2M for one prompt and seed,
timed and judged, and the messages for input it cannot use, in the request's language."""

import re

import numpy as np
import pytest
from gradio_client import Client
from PIL import Image
from support import need
from support.fuzz_inputs import is_own_message

from gendemo.core.paths import CHECKPOINT_DIR

# "DDIM · 10 steps · 0.31 s · 2 of 2 match"
CAPTION = re.compile(
    r"^(DDPM|DDIM|DPM-Solver\+\+ 2M|DPM-Solver\+\+ 2M, distilled network) · (\d+) steps · (\d+\.\d\d) s · "
    r"(\d) of (\d) match$"
)
READING = re.compile(r"reads (\d) \(\d+%\) ([✓✗]) · ([a-z]+) \(\d\.\d\d\) ([✓✗])")


@pytest.fixture(scope="module", autouse=True)
def diffusion_present():
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")


def _pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), np.float32) / 255


def test_few_step_solvers_side_by_side(app_client):
    job = app_client.submit("a green two", ["dpmpp2m", "ddim"], 10, 7, 2, api_name="/solver_comparison")
    gallery, table, text = job.result()
    assert len(job.outputs()) >= 2  # DDIM's column came before DPM-Solver++'s
    caps = [CAPTION.match(item["caption"]) for item in gallery]
    assert all(caps), [item["caption"] for item in gallery]
    assert [(m.group(1), m.group(2), m.group(5)) for m in caps] == [("DDIM", "10", "2"), ("DPM-Solver++ 2M", "10", "2")]
    # the table reads each digit as the gallery counts it: a digit matches when both its marks are ✓
    lines = table.splitlines()
    assert lines[0] == "| | DDIM, 10 steps | DPM-Solver++ 2M, 10 steps |"
    assert lines[2] == f"| wall time (warm) | {caps[0].group(3)} s | {caps[1].group(3)} s |"
    readings = [READING.findall(line) for line in lines if line.startswith("| digit ")]
    assert [len(r) for r in readings] == [2, 2]
    for col, m in enumerate(caps):
        ok = sum(r[col][1] == "✓" and r[col][3] == "✓" for r in readings)
        assert int(m.group(4)) == ok and f"{ok} of 2" in lines[-1].split("|")[col + 2]
        assert all((r[col][0] == "2") == (r[col][1] == "✓") and (r[col][2] == "green") == (r[col][3] == "✓")
                   for r in readings)  # fmt: skip
    assert f"DDIM took {caps[0].group(3)} s and DPM-Solver++ 2M {caps[1].group(3)} s" in text
    # the same starting noise: the two deterministic solvers draw nearly the same picture; another seed does not
    a, b = _pixels(gallery[0]["image"]), _pixels(gallery[1]["image"])
    other, _, _ = app_client.predict("a green two", ["ddim", "dpmpp2m"], 10, 8, 2, api_name="/solver_comparison")
    assert np.abs(a - b).mean() < 0.5 * np.abs(a - _pixels(other[0]["image"])).mean()


def test_the_distilled_network_beside_the_two_pass_one(app_client):
    """DPM-Solver++ 2M on the guidance-distilled network and on the two-pass one, from the same seed: the student
    imitates its teacher, so the two draw nearly the same pictures (closer than the teacher from another seed), and
    the sentence sets the two times and match counts side by side."""
    need((CHECKPOINT_DIR / "diffusion_distilled.safetensors").exists(), "distilled checkpoint missing")
    gallery, table, text = app_client.predict(
        "a green two", ["dpmpp2m_distilled", "dpmpp2m"], 10, 7, 2, api_name="/solver_comparison"
    )
    caps = [CAPTION.match(item["caption"]) for item in gallery]
    assert all(caps), [item["caption"] for item in gallery]
    assert [m.group(1) for m in caps] == ["DPM-Solver++ 2M", "DPM-Solver++ 2M, distilled network"]
    assert table.splitlines()[0] == "| | DPM-Solver++ 2M, 10 steps | DPM-Solver++ 2M, distilled network, 10 steps |"
    two, one = (float(m.group(3)) for m in caps)
    assert text.startswith(
        f"With the distilled network, DPM-Solver++ 2M at 10 steps took {one:.2f} s against {two:.2f} s with the "
        "two-pass one ("
    ), text
    assert "measured warm" in text
    assert f"matched the prompt {caps[1].group(4)} of 2 times, against {caps[0].group(4)} with the two passes" in text
    a, b = _pixels(gallery[0]["image"]), _pixels(gallery[1]["image"])
    other, _, _ = app_client.predict("a green two", ["ddim", "dpmpp2m"], 10, 8, 2, api_name="/solver_comparison")
    assert np.abs(a - b).mean() < 0.5 * np.abs(a - _pixels(other[1]["image"])).mean()


BAD = [  # (arguments, words of the English message, words of the Chinese one)
    (("a red seven", ["ddim", "euler"], 10, 0, 1), "euler", "只能取以下值之一"),
    (("a red seven", ["ddim"], 10, 0, 1), "at least two", "至少选择两个"),
    (("a red seven", [], 10, 0, 1), "at least two", "至少选择两个"),
    (("a red seven", ["ddim", "dpmpp2m"], 5, 0, 1), "between 10 and 25", "10 到 25"),
    (("a red seven", ["ddim", "dpmpp2m"], 26, 0, 1), "between 10 and 25", "10 到 25"),
    (("a red seven", ["ddim", "dpmpp2m"], 10, 0, 5), "between 1 and 4", "1 到 4"),
    (("a red seven", ["ddim", "dpmpp2m"], 10, -1, 1), "Seed", "随机种子"),
    (("", ["ddim", "dpmpp2m"], 10, 0, 1), "Write a prompt first", "请先写一个提示词"),
    (("a picture of a cat", ["ddim", "dpmpp2m"], 10, 0, 1), "names no digit and no colour", "既没有数字"),
    (("a red seven " * 10_000, ["ddim", "dpmpp2m"], 10, 0, 1), "characters long", "个字符"),
]


@pytest.mark.parametrize("args,en,zh", BAD)
def test_bad_input_is_explained_in_the_requests_language(app_client, args, en, zh):
    with pytest.raises(Exception) as e:
        app_client.predict(*args, api_name="/solver_comparison")
    assert is_own_message(str(e.value)) and en in str(e.value), str(e.value)
    client = Client(app_client.base_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    with pytest.raises(Exception) as e:
        client.predict(*args, api_name="/solver_comparison")
    assert is_own_message(str(e.value)) and zh in str(e.value), str(e.value)


@pytest.mark.slow
def test_ddpm_against_the_few_step_solvers(app_client):
    """The whole comparison: DDPM's 1,000 steps (≈ 5 s for one digit on an idle 2-core CPU) beside the two few-step
    solvers from the same seed; DDPM takes longest, and the sentence says how many times faster the best fast one
    was."""
    gallery, table, text = app_client.predict(
        "a red seven", ["ddpm", "ddim", "dpmpp2m"], 10, 0, 1, api_name="/solver_comparison"
    )
    caps = [CAPTION.match(item["caption"]) for item in gallery]
    assert [(m.group(1), m.group(2)) for m in caps] == [("DDPM", "1000"), ("DDIM", "10"), ("DPM-Solver++ 2M", "10")]
    seconds = [float(m.group(3)) for m in caps]
    assert seconds[0] > 5 * max(seconds[1:]), seconds
    assert "DDPM's 1,000 steps" in text and re.search(r"\d+(\.\d)?× faster", text), text


def test_ddpms_pauses_for_other_learners_are_left_out_of_its_time_and_said(app_client):
    """In the heavy lane the comparison gives way to other learners' requests at each progress step (issue 30); the
    time it waited is not DDPM's, and the sentence says how long it paused."""
    from gendemo.app.endpoint import HANDLERS
    from gendemo.app.endpoints import ENDPOINTS
    from gendemo.core.priority import PacedProgress, Pacer

    class Busy:  # someone is always in the foreground; each wait "lasts" its whole timeout without sleeping
        running = 1

        def above(self, level):
            return 1

        def wait_idle(self, timeout, level=2):
            return timeout

    ep = ENDPOINTS["solver_comparison"]
    progress = PacedProgress(lambda *a, **k: None, Pacer(Busy(), run_s=0.0, yield_s=0.01))
    args = {p.name: p.check(v, "en") for p, v in zip(ep.params, ("a red seven", ["ddpm", "ddim"], 10, 0, 1))}
    *_, (gallery, _table, text) = HANDLERS["solver_comparison"].gendemo_body(**args, progress=progress)
    paused = progress.paused  # 0.01 s per report: DDPM reports every 5th of its 1,000 steps
    assert paused == pytest.approx(2.0, abs=0.05)
    assert f"DDPM paused for {paused:.1f} s in all" in text, text
    ddpm = CAPTION.match(gallery[0][1])
    assert ddpm.group(1) == "DDPM"
