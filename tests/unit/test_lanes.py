"""Who may wait for whom (issue 30, parts 3 and 4), read from the declarations: the heavy demonstrations have a lane
of their own, apart from the prompts; only answers that are a function of their inputs are cached."""

from gendemo.app.endpoint import DEFAULT_LANE
from gendemo.app.endpoints import CLASSIFY, DIFFUSION, DIFFUSION_STEP, ENDPOINTS, HEAVY, LIVE, SURVEY, TOLD_LANES

HEAVY_DEMOS = ("solver_comparison", "diffusion_guidance", "schedule_twins")


def test_the_heavy_demonstrations_do_not_share_the_prompts_lane():
    for name in HEAVY_DEMOS:
        assert ENDPOINTS[name].lane == HEAVY, name
    assert HEAVY.name != DIFFUSION.name and HEAVY.limit == 1
    for name in ("diffusion_generate", "img2img"):
        assert ENDPOINTS[name].lane == DIFFUSION, name


def test_a_prompt_waits_only_for_the_pictures_drawn_from_prompts():
    """A class's noise predictions, reverse steps and prompt experiments do not queue in front of its prompts (in one
    lane they held them 10-17 s at p95 in the class benchmark)."""
    assert ENDPOINTS["noise_prediction"].lane == ENDPOINTS["reverse_step"].lane == DIFFUSION_STEP
    assert ENDPOINTS["prompt_experiment"].lane == SURVEY
    assert len({lane.name for lane in TOLD_LANES}) == len(TOLD_LANES) == 4
    assert all(lane.limit == 1 and lane.priority > 0 for lane in TOLD_LANES)


def test_the_quick_gan_requests_never_wait_behind_a_mode_collapse_survey():
    assert ENDPOINTS["mode_collapse"].lane == SURVEY and SURVEY.limit == 1
    quick = ("gan_sample", "gan_timeline", "cgan_sample", "latent_walk", "latent_vector", "noising", "discriminate")
    for name in quick:
        assert ENDPOINTS[name].lane == DEFAULT_LANE, name


def test_background_work_is_the_heavy_lane_alone():
    """The heavy demonstrations give way to everyone else's requests between their steps (gendemo/core/priority.py);
    every other lane is foreground (the live trainer paces itself in gendemo/gan/scheduler.py)."""
    lanes = {ep.lane for ep in ENDPOINTS.values()}
    assert {lane for lane in lanes if lane.background} == {HEAVY}


def test_only_answers_that_are_functions_of_their_inputs_are_cached():
    cached = {n for n, ep in ENDPOINTS.items() if ep.cache}
    assert all(ENDPOINTS[n].deterministic for n in cached)
    assert not {n for n in cached if ENDPOINTS[n].lane in (LIVE, CLASSIFY)}  # live runs train; readings keep order
    # the views issue 30 names: seeded sampling, the timeline, mode collapse, noising, noise prediction, the samplers
    # and the guidance side by side, the schedule twins, the discriminator
    assert {
        "gan_sample",
        "gan_timeline",
        "mode_collapse",
        "noising",
        "noise_prediction",
        "solver_comparison",
        "diffusion_guidance",
        "schedule_twins",
        "discriminate",
        "diffusion_generate",
    } <= cached
