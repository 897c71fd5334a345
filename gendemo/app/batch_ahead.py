"""The requests waiting behind the one that runs, computed with it (issue 30).

A class's prompts arrive within a minute and queue one behind another in the diffusion lane; its tail waited 10-14 s
(class benchmark). The prompt that runs can draw the ones waiting behind it in its own batch
(gendemo/diffusion/batching.py: each prompt's digits bit for bit as alone) and keep their answers in the answer cache;
when their turn comes each is a cache hit, a moment. A waiting request joins only if it asks the same of the network
(the handler says which inputs: the sampler, the steps, the guidance, the network, the number of digits), its answer
is not kept already, and no request before it asks the same.

    for mate in mates(ENDPOINT, handler, mine, alike=("sampler", "steps"), room=4):
        ...  # compute mate.args with the running request, then
        answer_cache.keep(handler, mate.kw, its_yields)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gendemo.app import answer_cache, queue_eta
from gendemo.app.i18n import lang_of


@dataclass
class Mate:
    kw: dict  # the inputs as the page sent them, by name, with the request: what the answer is kept under
    args: dict  # the same, checked as the handler takes them
    lang: str  # its page's language


def mates(endpoint, handler, mine: dict, lang: str, alike: Sequence[str], room: int) -> list[Mate]:
    """Up to `room` requests for `handler` waiting in `endpoint`'s lane, first first, whose checked `alike` inputs equal
    `mine` (the running request's checked inputs, in `lang`); never one asking exactly what the running one asks (its
    own answer is kept as it ends), one whose answer is kept, or two asking the same."""
    names = [p.name for p in endpoint.params]
    seen, out = set(), []
    for event in queue_eta.queued(endpoint.lane.name):
        if len(out) >= room:
            break
        data = getattr(getattr(event, "data", None), "data", None)
        if getattr(event.fn, "fn", None) is not handler or not data or len(data) < len(names):
            continue
        kw = {**dict(zip(names, data)), "request": event.request}
        their = lang_of(event.request)
        try:
            args = {p.name: p.check(kw[p.name], their) for p in endpoint.params}
        except Exception:  # noqa: BLE001 — a mistaken request is answered by its own run, with its own message
            continue
        if any(args[a] != mine[a] for a in alike) or (args == mine and their == lang):
            continue
        key = answer_cache.key_hash(handler, kw)
        if key in seen or answer_cache.kept(handler, kw):
            continue
        seen.add(key)
        out.append(Mate(kw, args, their))
    return out
