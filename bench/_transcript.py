"""The deterministic interview every import and peer benchmark uses: 20,000 words in 300
turns, alternating an interviewer and three speakers."""

from __future__ import annotations

import random

WORDS = [
    "the",
    "team",
    "referral",
    "school",
    "social",
    "worker",
    "health",
    "visitor",
    "ring",
    "duty",
    "desk",
    "case",
    "family",
    "meeting",
    "protocol",
    "agency",
    "practitioner",
    "role",
    "expertise",
    "office",
    "parent",
    "child",
    "mentor",
    "manager",
    "form",
]


def interview(words: int = 20_000, turns: int = 300) -> list[tuple[str, str]]:
    rng = random.Random(20_000)
    result = []
    for i in range(turns):
        count = words // turns + (1 if i < words % turns else 0)
        text = " ".join(rng.choice(WORDS) for _ in range(count)).capitalize() + "."
        result.append(("Interviewer" if i % 2 == 0 else f"Speaker {i % 3}", text))
    return result
