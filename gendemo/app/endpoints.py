"""The main call of each endpoint, as the benchmark and the load test make it (arguments for gradio_client.predict).
Every parameter is given: the benchmark also sends them over plain HTTP, where nothing fills in defaults."""

from gradio_client import handle_file

from gendemo.core.paths import EXAMPLES

ENDPOINT_CALLS = {
    "/classify": lambda: (None, handle_file(str(EXAMPLES / "digit_7.png"))),
    "/gan_sample": lambda: (64, 0, "remedy"),
    "/gan_timeline": lambda: (60, "remedy"),
    "/mode_collapse": lambda: ("final", 1000, 0, "remedy"),
    "/cgan_sample": lambda: ("all", 10, 0),
    "/latent_walk": lambda: (800, 2, 9),
    "/latent_path": lambda: (0, 0, 2, "(2, 5)", "(6, 1)", 9),
    # one slider move: the ten numbers of the noise vector
    "/latent_vector": lambda: (1.54, -0.29, -2.18, 0.57, -1.08, -1.4, 0.4, 0.84, -0.72, -0.4),
    "/discriminate": lambda: (handle_file(str(EXAMPLES / "digit_7.png")), "chapter", 7),
    "/discriminate_lineup": lambda: ("chapter", 3, "1", 0),
    "/noising": lambda: (handle_file(str(EXAMPLES / "digit_7.png")), 9, 0),
    "/schedule_twins": lambda: ("a red seven", 0),
    "/diffusion_generate": lambda: ("a red seven", "ddim", 25, 3.0, 0, 16, "diffusion"),
    "/diffusion_guidance": lambda: ("a red seven", 0),
    # the few-step pair, which the load test can call many times; DDPM's 1,000 steps (≈ 5 s a call) are timed by
    # the bench's diffusion section instead
    "/solver_comparison": lambda: ("a red seven", ["ddim", "dpmpp2m"], 10, 0, 4),
    "/prompt_experiment": lambda: ("ornate red seven", "colour", 0, 3.0, "ddim"),
    "/noise_prediction": lambda: ("test", 0, None, "a red seven", 500, 0, 1.0),
    "/reverse_step": lambda: ("a red seven", 0, 3.0, 1000),
    "/img2img": lambda: (handle_file(str(EXAMPLES / "blurry_4.png")), None, "a white four", 0.4, 0, 4, "ddim"),
}

# Latency goals (p95, through the client) the benchmark prints beside its figures.
TARGETS_MS = {"/discriminate": 50, "/latent_vector": 100}
