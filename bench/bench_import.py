"""Import of a deterministic 20,000-word, 300-turn interview as .docx, .txt and .vtt, end to
end (job created → Source saved), median of 5. Run: `.venv/bin/python bench/bench_import.py`.
Target: .docx ≤ 200 ms (Taguette: 811 ms for the same kind of file)."""

from __future__ import annotations

import statistics
import time

from _setup import setup_django
from _transcript import interview

setup_django()

from fieldwork import services  # noqa: E402
from fieldwork.demo import _docx, _txt, _vtt  # noqa: E402
from fieldwork.models import ImportStatus  # noqa: E402
from sites.models import Site  # noqa: E402


def main() -> None:
    site, _ = Site.objects.get_or_create(
        code="bench", defaults={"name": "Bench", "local_authority": "x"}
    )
    turns = interview()
    print(f"{sum(len(t.split()) for _, t in turns)} words, {len(turns)} turns")
    for ext, build in (("docx", _docx), ("txt", _txt), ("vtt", _vtt)):
        data = build(turns)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            job = services.import_file(site=site, actor=None, name=f"bench.{ext}", data=data)
            times.append((time.perf_counter() - start) * 1000)
            assert job.status == ImportStatus.SUCCEEDED, job.error
        median = statistics.median(times)
        print(
            f".{ext:<5} {len(data) / 1024:7.0f} KiB  median {median:7.1f} ms  "
            f"(runs: {', '.join(f'{t:.0f}' for t in times)})  vs Taguette 811 ms: "
            f"{median / 811:.2f}x"
        )


if __name__ == "__main__":
    main()
