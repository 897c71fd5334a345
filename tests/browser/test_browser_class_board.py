"""The class board in a real browser (issue 32): with the board on, two learners (two browser contexts) each finish a
live run, and the Board tab shows both; off, the tab is not there."""

import pytest
from support.browser import open_page, shot

from gendemo.app import class_board

pytestmark = pytest.mark.browser


def test_two_learners_runs_appear_on_the_board(browser, app_client):
    board = class_board.enable(token="teacher-token")  # as python app.py --class-board does
    pages = []
    try:
        for seed in (1, 2):
            # a lesson link starts a three-second run of the chapter's recipe in each learner's own session
            url = app_client.base_url + f"?tab=live&recipe=chapter&seed={seed}&budget=3&run=1"
            pages.append(open_page(browser, url, "en-US"))
        for page in pages:
            page.locator("#tab-live").wait_for(state="visible")
        for _ in range(180):  # both runs end after their budget (a busy machine takes longer to start them)
            if len(board.runs()) >= 2:
                break
            pages[0].wait_for_timeout(1000)
        assert len(board.runs()) == 2, board.runs()
        teacher = open_page(browser, app_client.base_url + "?tab=live", "zh-CN")
        teacher.locator("#tab-board-button").click()
        teacher.locator("#board-count").get_by_text("2").wait_for()
        assert "看板上有" in teacher.locator("#board-count").inner_text()
        teacher.wait_for_function(
            "() => (document.querySelector('#board-table')?.innerText || '').split('本章配方').length > 2"
        )
        listed = teacher.locator("#board-table").inner_text()
        assert listed.count("本章配方") == 2, listed  # one line per run, the recipe named in the page's language
        teacher.locator("#board-plot").wait_for(state="visible")
        # a wrong token clears nothing; the teacher's clears the board
        teacher.locator("#board-teacher > button.label-wrap").click()
        teacher.locator("#board-token input").fill("guess")
        teacher.locator("#board-clear").click()
        teacher.locator("#board-cleared").get_by_text("不是").wait_for()
        assert len(board.runs()) == 2
        teacher.locator("#board-token input").fill("teacher-token")
        teacher.locator("#board-clear").click()
        teacher.locator("#board-cleared").get_by_text("已清空").wait_for()
        assert board.runs() == []
        shot(teacher, "class_board_zh-CN")
    finally:
        class_board.disable()
    # off again: a new page has no Board tab
    page = open_page(browser, app_client.base_url, "en-US")
    page.wait_for_timeout(1500)
    assert page.locator("#tab-board-button").count() == 0 or page.locator("#tab-board-button").is_hidden()
