"""The class benchmark's learners (issue 30, part 8) click as the page does: its controls' defaults, and the pictures
of an answer loaded as a browser loads them."""

from gendemo.app.class_bench import Plan, _arguments, _urls, lesson
from gendemo.app.endpoints import ENDPOINTS


def test_a_click_sends_the_page_defaults_not_the_api_example():
    prompt = next(s for s in lesson(0, Plan()) if s.api == "diffusion_generate")
    sent = _arguments(prompt)
    page = {p.name: p.start() for p in ENDPOINTS["diffusion_generate"].api_params}
    assert sent["network"] == page["network"] == "diffusion_distilled"
    assert sent["guidance"] == page["guidance"] and (sent["n"], sent["steps"]) == (8, 25)
    drawn = next(s for s in lesson(0, Plan()) if s.api == "discriminate")
    assert isinstance(_arguments(drawn)["image"], dict)  # the example digit stands for the learner's drawing


def test_the_pictures_of_an_answer_are_found_wherever_they_are():
    pic = {"path": "/tmp/a.png", "url": "http://h/gradio_api/file=/tmp/a.png", "meta": {"_type": "gradio.FileData"}}
    other = dict(pic, url="http://h/gradio_api/file=/tmp/b.png")
    answer = (None, pic, "text", [{"image": other, "caption": "7"}], {"url": "a link, not a file"})
    assert _urls(answer) == [pic["url"], other["url"]]
