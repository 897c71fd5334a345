"""Who may wait for whom (issue 30, parts 3 and 4), read from the declarations: the heavy demonstrations have a lane
of their own, apart from the prompts; only answers that are a function of their inputs are cached."""

from gendemo.app.endpoint import DEFAULT_LANE
from gendemo.app.endpoints import CLASSIFY, DIFFUSION, ENDPOINTS, HEAVY, LIVE, SURVEY

HEAVY_DEMOS = ("solver_comparison", "diffusion_guidance", "schedule_twins")


def test_the_heavy_demonstrations_do_not_share_the_prompts_lane():
    for name in HEAVY_DEMOS:
        assert ENDPOINTS[name].lane == HEAVY, name
    assert HEAVY.name != DIFFUSION.name and HEAVY.limit == 1
    for name in ("diffusion_generate", "noise_prediction", "reverse_step", "prompt_experiment", "img2img"):
        assert ENDPOINTS[name].lane == DIFFUSION, name


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
