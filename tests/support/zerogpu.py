"""ZeroGPU on this machine, for tests/app/test_zerogpu.py: the real `spaces` package, a stand-in for the device API it
talks to, and, without a GPU, a stand-in for the GPU inside decorated calls.

With SPACES_ZERO_GPU=true, `import spaces` turns on its PyTorch CUDA emulation in the main thread (tensors "on cuda" are
CPU tensors it tracks; anything that reaches real CUDA initialisation elsewhere fails with "Low-level CUDA init
reached"), and `spaces.GPU` sends each call through the device API (/schedule, /allow, /release) to a forked worker that
initialises the real GPU and moves the tracked tensors onto it. The parts this module replaces:

- the device API: `DeviceAPI`, a small HTTP server that grants every request and records it;
- on a machine without a GPU, the worker's own device steps (`simulate_gpu_on_cpu`): no packing of the tracked tensors
  to disk, no CUDA initialisation, no move; the worker keeps the emulation instead, so a decorated call computes on the
  CPU with the same device bookkeeping (mixing a "cuda" tensor with a CPU one still fails as it would on the GPU).

    python -m support.zerogpu --port P    (PYTHONPATH=tests) serves app.py like a ZeroGPU Space would

With GENDEMO_ZEROGPU_DEVICE=gpu (and the device API handing out the real GPU's UUID) only the device API is a stand-in:
the worker then initialises the GPU and moves the tensors as on ZeroGPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class DeviceAPI:
    """Grants every /schedule at once (as an idle ZeroGPU node would) and records each call: (path, query dict)."""

    def __init__(self, gpu_uuid: str = "GPU-zerogpu-simulation"):
        self.calls: list[tuple[str, dict]] = []
        calls, lock = self.calls, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                url = urlparse(self.path)
                with lock:
                    calls.append((url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))
                body = b""
                if url.path == "/schedule":
                    grant = {"idle": True, "nvidiaIndex": 0, "nvidiaUUID": gpu_uuid, "allowToken": "simulated"}
                    body = json.dumps(grant).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def scheduled(self) -> list[dict]:
        return [q for path, q in self.calls if path == "/schedule"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def simulate_gpu_on_cpu() -> None:
    """Keep ZeroGPU's CUDA emulation inside the forked worker instead of handing it a real GPU."""
    from concurrent.futures import ThreadPoolExecutor

    import spaces.zero.torch as zt
    import spaces.zero.wrappers as zw

    zt.pack = lambda: zt.size()  # the tracked tensors stay in memory rather than in an offload file
    zt.unpatch = lambda: None  # the worker keeps the emulation …
    zt.init = lambda nvidia_uuid: None  # … and initialises no CUDA device …
    zt.move = lambda callback=None: None  # … so the tracked tensors stay where they are

    class EmulatingPool(ThreadPoolExecutor):
        # The emulation is a per-thread torch mode; the worker runs each task in a fresh pool thread.
        def __init__(self, *args, **kwargs):
            super().__init__(*args, initializer=zt.enter_mode, **kwargs)

    zw.ThreadPoolExecutor = EmulatingPool


def gpu_uuid() -> str:
    """The first GPU's UUID, which the worker puts in CUDA_VISIBLE_DEVICES (asked of nvidia-smi: this process must not
    initialise CUDA, or ZeroGPU refuses to start)."""
    out = subprocess.run(["nvidia-smi", "--query-gpu=uuid", "--format=csv,noheader"], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"no GPU for GENDEMO_ZEROGPU_DEVICE=gpu: {out.stderr.strip()}")
    return out.stdout.split()[0]


def main(argv=None) -> None:
    if os.environ.get("SPACES_ZERO_GPU", "").lower() != "true" or not os.environ.get("SPACES_ZERO_DEVICE_API_URL"):
        sys.exit("set SPACES_ZERO_GPU=true and SPACES_ZERO_DEVICE_API_URL (tests/app/test_zerogpu.py does)")
    import spaces  # noqa: F401  (before anything touches CUDA, as on a Space)

    if os.environ.get("GENDEMO_ZEROGPU_DEVICE", "cpu") == "cpu":
        simulate_gpu_on_cpu()
    import app

    app.main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
