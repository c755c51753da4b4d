"""The source-system simulator behind ``kundresa generate`` (see README.md in this folder).

Python API::

    from orchestration.sources.simulator import generate, MessConfig
    summary = generate(Path("landing"), customers=200, seed=1, days=60)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.sources.simulator.config import BehaviourConfig, MessConfig

if TYPE_CHECKING:
    from orchestration.sources.simulator.engine import GenerationSummary


def generate(
    out: Path,
    customers: int,
    seed: int,
    days: int = 730,
    config: MessConfig | None = None,
    behaviour: BehaviourConfig | None = None,
    progress: bool = False,
) -> GenerationSummary:
    """Write a simulated landing data set with ground truth to ``out`` (see engine.generate)."""
    from orchestration.sources.simulator.engine import generate as run

    return run(out, customers, seed, days, config, behaviour, progress)


__all__ = ["BehaviourConfig", "MessConfig", "generate"]
