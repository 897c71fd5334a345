"""One reverse step taken apart (DDPM), DPM-Solver++ 2M, and the noise-prediction objective: closed forms and
diffusers' schedulers as references."""

import copy
import math

import pytest
import torch

from gendemo.diffusion.objective import gradient_step, loss_curve, noise_prediction
from gendemo.diffusion.sampling import DATA_MEAN, ddim_timesteps, ddpm_step, ddpm_walk, reverse_process
from gendemo.diffusion.schedules import make_schedule

T = 1000


class Fake(torch.nn.Module):
    """A deterministic stand-in for the U-Net: ε̂ is a smooth function of x, t and the text (no weights to train)."""

    def __init__(self):
        super().__init__()
        self.null_text = torch.nn.Parameter(torch.zeros(4))

    def null_embedding(self, n):
        return self.null_text[None].expand(n, -1)

    def forward(self, x, t, text):
        tt = t.float().view(-1, 1, 1, 1) / T
        return 0.6 * x * torch.cos(3 * tt) + 0.2 * torch.sin(5 * tt + x) + text[:, :1, None, None]


def _x(seed=0, shape=(2, 3, 8, 8)):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


# ---- one DDPM step


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_ddpm_step_is_the_chapters_formula(schedule):
    s = make_schedule(schedule, T)
    x, eps, z = _x(0), _x(1), _x(2)
    for t in (1, 2, 10, 500, 999):
        st = ddpm_step(s, x, t, eps, z, clip="never")
        a, b = float(s.alpha(t)), float(s.beta(t))
        ab, ab_p = float(s.alpha_bar(t)), float(s.alpha_bar(t - 1))
        sigma = math.sqrt(b * (1 - ab_p) / (1 - ab))
        assert st.inv_sqrt_alpha == pytest.approx(1 / math.sqrt(a)) and st.sigma == pytest.approx(sigma)
        assert st.eps_coef == pytest.approx(b / math.sqrt(1 - ab))
        want = (x - b / math.sqrt(1 - ab) * eps) / math.sqrt(a) + (sigma * z if t > 1 else 0)
        assert torch.allclose(st.x_prev, want, atol=1e-5, rtol=1e-5), t
        # the parts add up, and the removed part is the scaled noise estimate
        assert torch.allclose(st.inv_sqrt_alpha * x - st.removed + st.noise, st.x_prev, atol=1e-5)
        assert torch.allclose(st.removed, st.inv_sqrt_alpha * st.eps_coef * eps, atol=1e-4, rtol=1e-4)
    assert torch.equal(ddpm_step(s, x, 1, eps, z).noise, torch.zeros_like(x))  # no fresh noise on x_1 → x_0
    if schedule == "cosine":  # at t = T (ᾱ_T ≈ 2e-9) x̂0 is the data mean, and the step is the posterior for that x̂0
        st = ddpm_step(s, x, T, eps, z)
        assert torch.all(st.x0 == DATA_MEAN)
        ab_p, b = float(s.alpha_bar(T - 1)), float(s.beta(T))
        mean = (math.sqrt(ab_p) * b / (1 - float(s.alpha_bar(T)))) * st.x0 + (
            math.sqrt(float(s.alpha(T))) * (1 - ab_p) / (1 - float(s.alpha_bar(T)))
        ) * x
        assert torch.allclose(st.x_prev - st.noise, mean, atol=1e-3), (st.x_prev - st.noise - mean).abs().max()
    for bad in (0, T + 1):
        with pytest.raises(ValueError, match="t must be between 1"):
            ddpm_step(s, x, bad, eps, z)


@pytest.mark.parametrize("clip,theirs", [("never", False), ("always", True)])
def test_ddpm_step_matches_diffusers(clip, theirs):
    diffusers = pytest.importorskip("diffusers", reason="diffusers is a test-only dependency (requirements-dev.txt)")
    ref = diffusers.DDPMScheduler(
        num_train_timesteps=T, beta_schedule="squaredcos_cap_v2", clip_sample=theirs, clip_sample_range=1.0
    )
    s = make_schedule("cosine", T)
    x, eps = _x(3) * 1.5, _x(4)
    for t in (1, 2, 50, 500, 999):  # not T: there ᾱ_T ≈ 2e-9 and ours takes the data mean as x̂0 (ALPHA_BAR_FLOOR)
        z = torch.randn(x.shape, generator=torch.Generator().manual_seed(t))
        theirs_out = ref.step(eps, t - 1, x, generator=torch.Generator().manual_seed(t)).prev_sample
        ours = ddpm_step(s, x, t, eps, z, clip=clip).x_prev
        # at t = 1 diffusers divides by 1 − ᾱ_1 ≈ 1e-4, a float32 difference of numbers near 1 (ddpm_step avoids it)
        tol = 3e-3 if t == 1 else 2e-4
        assert torch.allclose(ours, theirs_out, atol=tol, rtol=1e-4), (t, (ours - theirs_out).abs().max())


def test_ddpm_walk_is_the_reverse_process_one_step_at_a_time():
    s = make_schedule("cosine", 60)
    net = Fake()
    x, text = _x(5), torch.full((2, 4), 0.1)
    g = torch.Generator().manual_seed(9)
    frames = list(reverse_process(net, s, x, text, sampler="ddpm", generator=g, guidance=2.0, every=1))
    g = torch.Generator().manual_seed(9)
    steps = list(ddpm_walk(net, s, x, text, guidance=2.0, generator=g))
    assert [st.t for st in steps] == list(range(60, 0, -1))
    # no autograd graph across the walk, though the network has trainable weights (a 999-step walk held 8 GB of one)
    assert all(st.x_prev.grad_fn is None and st.eps.grad_fn is None for st in steps)
    for f, st in zip(frames, steps):  # the same x_{t−1} at every step (frames show it in [0, 1])
        assert f.t == st.t - 1 and torch.equal(f.x_t, ((st.x_prev + 1) / 2).clamp(0, 1))
    # stopping half-way and going on from there with the same generator reaches the same end
    g = torch.Generator().manual_seed(9)
    first = list(ddpm_walk(net, s, x, text, guidance=2.0, generator=g, t_stop=30))
    rest = list(ddpm_walk(net, s, first[-1].x_prev, text, guidance=2.0, generator=g, t_start=30))
    assert first[-1].t == 31 and rest[0].t == 30 and torch.equal(rest[-1].x_prev, steps[-1].x_prev)


def test_ddpm_walk_can_share_its_fresh_noise_across_the_batch():
    s = make_schedule("cosine", 40)
    net, text = Fake(), torch.full((3, 4), 0.1)
    x = _x(1, (1, 3, 8, 8)).expand(3, -1, -1, -1).contiguous()  # one x_T for three identical prompts
    walk = lambda **kw: list(ddpm_walk(net, s, x, text, guidance=2.0, generator=torch.Generator().manual_seed(4), **kw))  # noqa: E731
    shared, own = walk(shared_noise=True), walk()
    end, end_own = shared[-1].x_prev, own[-1].x_prev
    assert torch.equal(end[0], end[1]) and torch.equal(end[0], end[2])  # the text is the only difference: none here
    assert not torch.equal(end_own[0], end_own[1])  # each image's own noise makes them differ
    assert torch.equal(shared[0].noise[0], shared[0].noise[2])


# ---- DPM-Solver++ 2M


@pytest.mark.parametrize("steps", [10, 20, 25])
def test_dpmpp2m_matches_diffusers(steps):
    diffusers = pytest.importorskip("diffusers", reason="diffusers is a test-only dependency (requirements-dev.txt)")
    # linear-β: its ᾱ_T ≈ 4e-5 stays above ALPHA_BAR_FLOOR, so x̂0 at t = T is the network's, as in diffusers
    ref = diffusers.DPMSolverMultistepScheduler(
        num_train_timesteps=T,
        beta_schedule="linear",
        beta_start=1e-4,
        beta_end=0.02,
        algorithm_type="dpmsolver++",
        solver_order=2,
        timestep_spacing="trailing",
        final_sigmas_type="zero",
    )
    ref.set_timesteps(steps)
    s = make_schedule("linear", T)
    net = Fake()
    text = torch.full((2, 4), -0.05)
    x0 = _x(6)
    assert [int(k) + 1 for k in ref.timesteps] == ddim_timesteps(T, steps)  # diffusers' k is the chapter's t = k + 1
    theirs = x0.clone()
    for k in ref.timesteps:
        eps = net(theirs, torch.full((2,), int(k) + 1), text)
        theirs = ref.step(eps, k, theirs).prev_sample
    frames = reverse_process(
        net, s, x0.clone(), text, sampler="dpmpp2m", steps=steps, guidance=1.0, generator=None, clip="never", every=0
    )
    ours = [f for f in frames if f.done][0].x0
    assert torch.allclose(ours, ((theirs + 1) / 2).clamp(0, 1), atol=1e-4), (ours - (theirs + 1) / 2).abs().max()


class Gaussian(Fake):
    """The best possible ε̂ when every pixel of the data is N(μ, s²): E[ε | x_t] in closed form. The deterministic
    reverse process (the probability-flow ODE) then maps x_T to μ + s·(x_T − √ᾱ_T·μ)/√(ᾱ_T·s² + 1 − ᾱ_T) exactly."""

    def __init__(self, sched, mu=0.3, s=0.5):
        super().__init__()
        self.sched, self.mu, self.s = sched, mu, s

    def forward(self, x, t, text):
        ab = self.sched.alpha_bar(t.cpu()).double().view(-1, 1, 1, 1)
        return ((1 - ab).sqrt() * (x - ab.sqrt() * self.mu) / (ab * self.s**2 + 1 - ab)).float()


def test_dpmpp2m_is_closer_to_the_exact_answer_than_ddim():
    # The point of a higher-order solver: with few steps it lands nearer to the exact end of the path.
    s = make_schedule("linear", T)
    net, text, x = Gaussian(s), torch.zeros(2, 4), _x(7)
    abT = float(s.alpha_bar(T))
    exact = net.mu + net.s * (x - math.sqrt(abT) * net.mu) / math.sqrt(abT * net.s**2 + 1 - abT)

    def err(sampler, steps):
        f = reverse_process(
            net, s, x, text, sampler=sampler, steps=steps, guidance=1.0, generator=None, every=0, clip="never"
        )
        x0 = [fr for fr in f if fr.done][0].x0
        return (x0 - ((exact + 1) / 2).clamp(0, 1)).abs().mean().item()

    e = {k: err(k, 10) for k in ("ddim", "dpmpp2m")}
    e25 = {k: err(k, 25) for k in ("ddim", "dpmpp2m")}
    print(e, e25)
    assert e["dpmpp2m"] < 0.8 * e["ddim"] and e25["dpmpp2m"] < 0.8 * e25["ddim"], (e, e25)


def test_unknown_sampler_fails_loudly():
    s = make_schedule("cosine", 50)
    with pytest.raises(ValueError, match="unknown sampler 'dpm'"):
        next(reverse_process(Fake(), s, _x(0), torch.zeros(2, 4), sampler="dpm", generator=None))


# ---- the noise-prediction objective


class Perfect(Fake):
    """Knows x0, so it returns exactly the ε that was added."""

    def __init__(self, x0, sched):
        super().__init__()
        self.x0, self.sched = x0 * 2 - 1, sched

    def forward(self, x, t, text):
        ab = self.sched.alpha_bar(t.cpu()).view(-1, 1, 1, 1)
        return (x - ab.sqrt() * self.x0) / (1 - ab).sqrt()


class Zero(Fake):
    def forward(self, x, t, text):
        return torch.zeros_like(x)


def test_noise_prediction_loss_closed_forms():
    s = make_schedule("cosine", T)
    x0 = torch.rand(3, 3, 8, 8)
    text, null = torch.zeros(3, 4), torch.zeros(3, 4)
    for t in (1, 300, 999):
        p = noise_prediction(Perfect(x0, s), s, x0, t, text, null, generator=torch.Generator().manual_seed(0))
        assert torch.allclose(p.sq_error, torch.zeros(3), atol=1e-6), t  # the true ε: loss 0
        ab = float(s.alpha_bar(t))
        assert torch.allclose(p.x_t, math.sqrt(ab) * p.x0 + math.sqrt(1 - ab) * p.eps, atol=1e-6)
    p = noise_prediction(Zero(), s, x0, 500, text, null, generator=torch.Generator().manual_seed(1))
    norms = p.eps.pow(2).flatten(1).sum(1)
    assert torch.allclose(p.sq_error, norms) and torch.allclose(p.mse, norms / (3 * 8 * 8))  # ε̂ = 0: loss ‖ε‖²
    assert torch.equal(p.diff, -p.eps)
    # the same generator seed, the same ε
    q = noise_prediction(Zero(), s, x0, 500, text, null, generator=torch.Generator().manual_seed(1))
    assert torch.equal(p.eps, q.eps)
    with pytest.raises(ValueError, match="t must be between 1"):
        noise_prediction(Zero(), s, x0, 0, text, null)


def test_loss_curve_shapes_and_closed_form():
    s = make_schedule("cosine", T)
    x0 = torch.rand(4, 3, 8, 8)
    c = loss_curve(Zero(), s, x0, torch.zeros(4, 4), ts=(1, 500, 1000, 2000), seed=0)
    assert c["t"] == [1.0, 500.0, 1000.0]  # steps outside 1..T are left out
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
    want = eps.pow(2).mean().item()  # ε̂ = 0 at every t: the mean of ε² over pixels and images
    for k in ("uncond", "cond", "guided"):
        assert c[k] == pytest.approx([want] * 3, rel=1e-5)
    perfect = loss_curve(Perfect(x0, s), s, x0, torch.zeros(4, 4), ts=(10, 900))
    assert max(perfect["cond"]) < 1e-8


class Scale(Fake):
    """ε̂ = a·x_t with one weight a: the loss and its gradient in closed form."""

    def __init__(self, a):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(float(a)))

    def forward(self, x, t, text):
        return self.a * x


def test_gradient_step_is_one_step_of_gradient_descent_in_closed_form():
    """Step 6 on ε̂ = a·x_t: L(a) = mean((a·x_t − ε)²), dL/da = 2·mean((a·x_t − ε)·x_t), a' = a − lr·dL/da. The
    network handed in keeps its weight; the unused null embedding gets no gradient (and no change)."""
    s = make_schedule("cosine", T)
    x0 = torch.rand(1, 3, 8, 8)
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
    model = Scale(0.3)
    x_t = math.sqrt(float(s.alpha_bar(400))) * (2 * x0 - 1) + math.sqrt(1 - float(s.alpha_bar(400))) * eps
    loss = lambda a: ((a * x_t - eps) ** 2).mean().item()
    grad = 2 * ((0.3 * x_t - eps) * x_t).mean().item()
    r = gradient_step(model, s, x0, 400, torch.zeros(1, 4), lr=0.05, noise=eps)
    assert r.loss_before == pytest.approx(loss(0.3), rel=1e-5)
    assert r.loss_after == pytest.approx(loss(0.3 - 0.05 * grad), rel=1e-5)
    assert r.grad_norm == pytest.approx(abs(grad), rel=1e-5)
    assert r.loss_after < r.loss_before and model.a.item() == pytest.approx(0.3)  # the original is untouched
    assert math.isnan(r.others_before)  # no other digits given
    with pytest.raises(ValueError, match="learning rate"):
        gradient_step(model, s, x0, 400, torch.zeros(1, 4), lr=0.0, noise=eps)


def test_gradient_step_on_a_unet_matches_torch_sgd():
    """On a real (tiny) U-Net the update is torch.optim.SGD's, step for step, and a small step lowers the loss."""
    from support.unets import tiny_net

    s = make_schedule("cosine", T)
    net = tiny_net()
    x0 = torch.rand(1, 3, 28, 28)
    text = torch.randn(1, net.cfg.text_dim)
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(3))
    others = (torch.rand(4, 3, 28, 28), torch.randn(4, net.cfg.text_dim), torch.randn(4, 3, 28, 28))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    r = gradient_step(net, s, x0, 250, text, lr=1e-3, noise=eps, others=others)
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in before.items())
    ref = copy.deepcopy(net).requires_grad_(True)
    opt = torch.optim.SGD(ref.parameters(), lr=1e-3)
    x_t = math.sqrt(float(s.alpha_bar(250))) * (2 * x0 - 1) + math.sqrt(1 - float(s.alpha_bar(250))) * eps
    tt = torch.full((1,), 250)
    torch.nn.functional.mse_loss(ref(x_t, tt, text), eps).backward()
    opt.step()
    with torch.no_grad():
        assert r.loss_after == pytest.approx(torch.nn.functional.mse_loss(ref(x_t, tt, text), eps).item(), rel=1e-4)
    assert r.loss_after < r.loss_before and r.others_before > 0 and r.others_after > 0
