"""8 concurrent clients × 20 requests across the endpoints, diffusion included when present:
no failures, p95 reported."""

import threading
import time

from gradio_client import Client

from gendemo.app.endpoints import ENDPOINT_CALLS

CLIENTS, REQUESTS = 8, 20


def test_eight_clients_twenty_requests_each(app_client):
    names = set(app_client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    endpoints = [api for api in ENDPOINT_CALLS if api in names]
    assert "/classify" in endpoints
    latencies: dict[str, list[float]] = {api: [] for api in endpoints}
    failures = []
    lock = threading.Lock()

    def worker(k):
        client = Client(app_client.base_url, verbose=False)
        for i in range(REQUESTS):
            api = endpoints[(k + i) % len(endpoints)]
            t = time.perf_counter()
            try:
                client.predict(*ENDPOINT_CALLS[api](), api_name=api)
            except Exception as e:  # noqa: BLE001
                with lock:
                    failures.append((api, repr(e)[:200]))
                continue
            with lock:
                latencies[api].append(time.perf_counter() - t)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CLIENTS)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=900)
    wall = time.perf_counter() - t0
    assert not any(th.is_alive() for th in threads), "load test hung"
    assert not failures, failures[:5]
    every = sorted(x for v in latencies.values() for x in v)
    assert len(every) == CLIENTS * REQUESTS
    p95 = every[int(0.95 * (len(every) - 1))]
    report = {
        api: f"p50 {sorted(v)[len(v) // 2] * 1000:.0f} ms, p95 {sorted(v)[int(0.95 * (len(v) - 1))] * 1000:.0f} ms"
        for api, v in latencies.items()
        if v
    }
    print(f"\nload: {len(every)} requests in {wall:.1f} s, overall p95 {p95 * 1000:.0f} ms; {report}")
