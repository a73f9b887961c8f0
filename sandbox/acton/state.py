"""The one object a running sandbox hangs off ``app.state.sandbox``: settings, data, tokens, limits, stats.

Data is the contact lists, their jobs and the consent lists (opt-outs, hard bounces, spam complaints).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.acton.auth import TokenRegistry
from sandbox.acton.consent import ConsentLists
from sandbox.acton.faults import Faults
from sandbox.acton.jobs import JobRunner
from sandbox.acton.limits import CallLimiter
from sandbox.acton.seed import seed_lists
from sandbox.acton.settings import Settings
from sandbox.acton.stats import Stats
from sandbox.acton.store import ListStore


@dataclass
class Sandbox:
    settings: Settings
    stats: Stats = field(init=False)
    faults: Faults = field(init=False)
    store: ListStore = field(init=False)
    consent: ConsentLists = field(init=False)
    tokens: TokenRegistry = field(init=False)
    limiter: CallLimiter = field(init=False)
    jobs: JobRunner = field(init=False)

    def __post_init__(self) -> None:
        self.stats = Stats()
        self.faults = Faults()
        self.store = ListStore(lambda: self.settings.score_field)
        self.consent = ConsentLists()
        self.tokens = TokenRegistry(self.settings, self.stats)
        self.limiter = CallLimiter(self.settings, self.stats)
        self.jobs = JobRunner(self.faults, lambda: self.settings.job_seconds)

    def seed(self) -> None:
        """Create the ``--lists`` seed lists (at start, and after a data reset)."""
        seed_lists(self.store, self.settings.seed_lists, self.settings.seed_records)

    def reset(self, data: bool = False) -> None:
        """Forget stats, limit windows, logins and faults; with ``data`` also lists, jobs, tokens and the
        consent lists."""
        self.stats.reset()
        self.limiter.reset()
        self.faults.reset()
        self.tokens.reset(tokens=data)
        if data:
            self.store.clear()
            self.consent.clear()
            self.jobs.clear()
