"""On a phone (390×844) each tab opens on its core view: its main button and the first result that button fills lie
within the first two screens of the tab (issue 33: tabs ran 2,100–8,100 px long, the deeper sections now fold away),
and no section hides behind a "More tabs" menu."""

import pytest
from support.browser import open_page, shot

from gendemo.app.tabs import TABS

pytestmark = pytest.mark.browser

PHONE = (390, 844)
SCREENS = 2
# each tab's main button and the first result it fills (elem_ids; the first of several that is on the page)
CORE = {
    "gan": ("gan-sample-button", "gan-samples"),
    "live": ("live-start", "live-samples"),
    "mode_collapse": ("mc-button", "mc-compare"),
    "discriminator": ("disc-ask", "disc-prob"),
    "cgan": ("cgan-button", "cgan-samples"),
    "latent": ("walk-button", "walk-out"),
    "noising": ("noise-button", "noise-rows"),
    "diffusion": ("gen-button", "gen-process"),
    "inside": ("ins-button", "ins-panels"),
    "prompts": ("pr-button", "pr-gallery"),
    "classify": ("classify-button", "classify-probs"),
}
SEEN = 100  # px of the result that must show within the two screens

_WHERE_JS = """
([tab, ids]) => {
  const root = document.querySelector('#tab-' + tab);
  const top = root.getBoundingClientRect().top + window.scrollY;
  const out = {height: Math.round(root.getBoundingClientRect().height)};
  for (const id of ids) {
    const e = document.getElementById(id);
    const r = e && e.getBoundingClientRect();
    out[id] = !e ? 'missing' : (!r.width || !r.height) ? 'hidden' :
      {top: Math.round(r.top + window.scrollY - top), bottom: Math.round(r.bottom + window.scrollY - top)};
  }
  return out;
}
"""


def test_each_tab_opens_on_its_button_and_result_on_a_phone(browser, app_client):
    assert set(CORE) == set(TABS), "every tab names its main button and first result"
    page = open_page(browser, app_client.base_url, viewport=PHONE)
    limit = SCREENS * PHONE[1]
    where, failures = {}, []
    try:
        for name, (button, result) in CORE.items():
            page.locator(f"#tab-{name}-button").click()
            page.locator(f"#tab-{name} .block").first.wait_for(state="visible")
            page.wait_for_timeout(500)  # the tab's layout settles (pictures, plots); a renamed id is reported below
            at = page.evaluate(_WHERE_JS, [name, [button, result]])
            where[name] = at
            b, r = at[button], at[result]
            if not isinstance(b, dict) or b["bottom"] > limit:
                failures.append(f"{name}: button #{button} {b}")
            if not isinstance(r, dict) or r["top"] > limit - SEEN:
                failures.append(f"{name}: result #{result} {r}")
            if page.locator(f"#tab-{name} button[aria-label='More tabs']").filter(visible=True).count():
                failures.append(f"{name}: sections behind a ⋯ menu")  # a sub-tab the learner may never find
            if name == "classify":
                shot(page, "phone_classify")
    finally:
        print(where)  # where each tab's button and result lie (pytest -s shows it)
    assert not failures, f"on a {PHONE[0]}×{PHONE[1]} phone (two screens: {limit} px): {failures}"
