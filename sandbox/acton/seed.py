"""Lists a fresh sandbox starts with (``--lists``), so a newcomer has something to download and score."""

from __future__ import annotations

import random

from sandbox.acton.store import ListStore, now_ms

SEED_HEADINGS = ["E-mail Address", "First Name", "Last Name", "Company", "Act-On score"]
_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]


def seed_lists(store: ListStore, names: tuple[str, ...], records: int, seed: int = 7) -> None:
    """Create ``names`` with :data:`SEED_HEADINGS` and ``records`` deterministic contacts each."""
    rng = random.Random(seed)
    stamp = now_ms()
    for name in names:
        contact_list = store.create(name, SEED_HEADINGS, folder="Sandbox Seed")
        slug = "".join(ch for ch in name.lower() if ch.isalnum()) or "list"
        for i in range(1, records + 1):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            contact_list.append(
                [f"{slug}.{i}@example.com", first, last, f"{last} & Co", str(rng.randint(0, 100))], stamp
            )
