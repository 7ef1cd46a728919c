"""The Twente demo: a believable, deterministic and scalable municipality (PRODUCT.md §6).

`build_demo` stores it through the normal import; `demo_frames` returns the records without a
store; `demo_report` summarises a stored demo. A newcomer finds each step by name: `towns`,
`areas`, `streets`, `assets`, `works`, `tasks`, `generate`, `report`.
"""

from __future__ import annotations

from koppelkans.demo.generate import DEFAULT_SEED, DemoSummary, build_demo, demo_frames, demo_step_count
from koppelkans.demo.report import demo_report, print_report

__all__ = ["DEFAULT_SEED", "DemoSummary", "build_demo", "demo_frames", "demo_report", "demo_step_count", "print_report"]
