"""Keep codings on the same words when the text they were made on is edited.

A coding marks a half-open range ``[start, end)`` of Unicode code-point offsets (plain Python
``str`` indices, so ``"😀"`` is one character) in a source text. When the text is edited the
offsets are carried over to the new text by diffing old against new and mapping every offset
through the resulting opcodes.

Boundary rules (see :func:`offset_map`):

* text inserted strictly inside a coded range extends the range;
* text inserted exactly at a range's start or end is *not* pulled into it;
* deleting part of a range shrinks it; replacing text inside it keeps the range over the
  replacement;
* deleting all of a range leaves an empty range at the deletion point, reported as
  ``"removed"`` so that callers can flag it for review instead of silently losing it.

Speed: ``difflib.SequenceMatcher`` is quadratic on character sequences. We therefore strip the
common prefix and suffix (usually most of a field note), snapped back to word starts, diff what
is left at the level of word tokens, and only fall back to a character diff inside pairs of
replaced tokens. When even that would be expensive (a long middle with much repetition), the
middle is first split at tokens occurring exactly once on both sides ("patience" anchoring), and
stretches without such tokens go to Myers' O((N + M) * D) diff, which is cheap when edits are
few. A 100,000-character note with a handful of edits takes milliseconds; the expensive paths
share a work budget, so even a complete rewrite of such a note stays around a second.

Limitations: the diff cannot know *which* of two identical stretches the user actually edited
(deleting one of two adjacent identical words is ambiguous), so a coding next to such a repeat
may be reported as ``"changed"`` although the user edited its neighbour. When the work budget
runs out (a wholesale rewrite), a stretch is treated as wholly replaced: codings inside it are
widened to the replacement and reported ``"changed"``, i.e. flagged rather than misplaced
silently. Offsets are code points; callers must not mix in UTF-16 offsets from browsers
without converting, and should normalise line endings/Unicode consistently before diffing.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["Anchor", "Reanchored", "Status", "offset_map", "reanchor"]

Status = Literal["kept", "moved", "changed", "removed"]

# (tag, old_start, old_end, new_start, new_end), exactly as difflib's get_opcodes() yields.
_Opcode = tuple[str, int, int, int, int]

# A token is a run of non-whitespace plus the whitespace after it (plus, at the very start, a run
# of leading whitespace). Gluing whitespace to the word instead of making it a token of its own
# matters: stand-alone " " tokens occur thousands of times, and SequenceMatcher's work grows with
# the product of repeat counts (30k-token middle: ~27 s with separate spaces, <1 s glued).
_TOKEN_RE = re.compile(r"\S+\s*|\s+")

# SequenceMatcher's cost is estimated as sum(count_in_a * count_in_b) over shared elements (the
# inner-loop steps of one find_longest_match scan). A single call above _MATCH_CALL_LIMIT is not
# attempted (the input is split or handed to Myers instead); calls up to _MATCH_FREE are tiny
# (e.g. a word's characters) and always allowed; everything in between draws on a budget shared
# by one whole diff, as does Myers. Together these bound a pathological diff (a complete rewrite
# of a long note) to roughly a second, while a note with a few edits takes milliseconds.
_MATCH_CALL_LIMIT = 400_000
_MATCH_FREE = 10_000
_MATCH_BUDGET = 3_000_000
_MYERS_BUDGET = 1_000_000

# How far (in characters) we are willing to back the common prefix/suffix off to reach a word
# boundary. Texts without spaces (e.g. Japanese) have none nearby; then we keep the raw cut.
_SNAP_LIMIT = 200


@dataclass(frozen=True)
class Anchor:
    """A coded range ``[start, end)`` in the old text; ``key`` identifies the coding (e.g. pk)."""

    key: object
    start: int
    end: int


@dataclass(frozen=True)
class Reanchored:
    """Where a coding lands in the new text.

    ``status`` is one of:

    * ``"kept"``: same offsets, same covered text;
    * ``"moved"``: same covered text at different offsets;
    * ``"changed"``: part of the covered text was edited; the range was adjusted and is not empty;
    * ``"removed"``: all of its text was deleted (or it was already empty); ``start == end`` at
      the deletion point. Such codings must be flagged for review, never dropped silently.

    A range whose text was entirely *replaced* (e.g. the coded word retyped as another) is not
    removed: it covers the replacement and is ``"changed"``.
    """

    key: object
    start: int
    end: int
    status: Status


def reanchor(old_text: str, new_text: str, anchors: Iterable[Anchor]) -> list[Reanchored]:
    """Carry coded ranges from ``old_text`` over to ``new_text``.

    Returns one :class:`Reanchored` per anchor, in input order (keys are passed through untouched,
    duplicates allowed). Every returned range satisfies ``0 <= start <= end <= len(new_text)``.
    An anchor that is already empty (``start == end``, e.g. flagged by an earlier edit) is mapped
    as a point and stays ``"removed"``.

    Raises ``ValueError`` if an anchor does not satisfy ``0 <= start <= end <= len(old_text)``.
    """
    mapping = offset_map(old_text, new_text)
    results: list[Reanchored] = []
    for anchor in anchors:
        start, end = anchor.start, anchor.end
        if not 0 <= start <= end <= len(old_text):
            raise ValueError(
                f"anchor {anchor.key!r} range [{start}, {end}) is not within a text of "
                f"length {len(old_text)}"
            )
        new_start = mapping(start, True)
        # An empty range has no text to follow; keep it as a point so it stays visible.
        new_end = mapping(end, False) if start < end else new_start
        # Cannot happen for non-empty ranges (both maps are monotone and a range's first
        # character never maps after its last), but never hand out an inverted range.
        new_end = max(new_end, new_start)
        status: Status
        if new_start == new_end:
            status = "removed"
        elif new_text[new_start:new_end] != old_text[start:end]:
            status = "changed"
        elif (new_start, new_end) == (start, end):
            status = "kept"
        else:
            status = "moved"
        results.append(Reanchored(anchor.key, new_start, new_end, status))
    return results


def offset_map(old_text: str, new_text: str) -> Callable[[int, bool], int]:
    """Diff the texts once and return ``f(offset, is_start) -> new_offset``.

    ``offset`` is a boundary between characters of ``old_text`` (``0..len(old_text)``);
    ``is_start`` says whether it is the start or the end of a range, which decides what happens
    at edits touching the boundary:

    * a **start** follows the character *after* it (the first covered character). If that
      character survived, the start lands just before it, i.e. *after* any text inserted
      exactly at the boundary. If it was deleted or replaced, the start lands at the beginning
      of the deletion/replacement (so a replacement counts as covered).
    * an **end** follows the character *before* it (the last covered character): just after it
      if it survived, i.e. *before* text inserted exactly at the boundary; at the end of the
      deletion/replacement otherwise.

    Consequently insertions at a boundary never join a range while insertions strictly inside
    one do, and both maps are monotone. ``start`` at ``len(old_text)`` maps to ``len(new_text)``
    and ``end`` at 0 maps to 0.

    Raises ``ValueError`` for offsets outside ``0..len(old_text)``.
    """
    return _OffsetMap(len(old_text), len(new_text), _char_opcodes(old_text, new_text))


class _OffsetMap:
    """Callable implementing :func:`offset_map` over character opcodes."""

    def __init__(self, old_len: int, new_len: int, opcodes: list[_Opcode]) -> None:
        self._old_len = old_len
        self._new_len = new_len
        # Only ops that consume old characters can "own" a character; pure insertions never do,
        # which is exactly why boundary insertions are not pulled into ranges. These ops tile
        # [0, old_len) without gaps, so bisecting on their starts finds a character's op.
        self._ops = [op for op in opcodes if op[2] > op[1]]
        self._op_starts = [op[1] for op in self._ops]

    def __call__(self, offset: int, is_start: bool) -> int:
        if not 0 <= offset <= self._old_len:
            raise ValueError(f"offset {offset} outside 0..{self._old_len}")
        if is_start:
            if offset == self._old_len:
                return self._new_len
            tag, i1, _i2, j1, _j2 = self._op_owning(offset)
            return j1 + (offset - i1) if tag == "equal" else j1
        if offset == 0:
            return 0
        tag, i1, _i2, j1, j2 = self._op_owning(offset - 1)
        return j1 + (offset - i1) if tag == "equal" else j2

    def _op_owning(self, char_index: int) -> _Opcode:
        return self._ops[bisect_right(self._op_starts, char_index) - 1]


# --- diffing -------------------------------------------------------------------------------


def _char_opcodes(old: str, new: str) -> list[_Opcode]:
    """Character-level opcodes covering all of ``old`` and ``new``."""
    if old == new:
        return [("equal", 0, len(old), 0, len(new))] if old else []
    head, old_stop, new_stop = _common_ends(old, new)
    old_mid, new_mid = old[head:old_stop], new[head:new_stop]
    old_tokens = _TOKEN_RE.findall(old_mid)
    new_tokens = _TOKEN_RE.findall(new_mid)
    old_pos = _token_offsets(old_tokens, head)
    new_pos = _token_offsets(new_tokens, head)

    effort = _Effort(match_cost_left=_MATCH_BUDGET, myers_steps_left=_MYERS_BUDGET)
    ops: list[_Opcode] = [("equal", 0, head, 0, head)]
    for tag, i1, i2, j1, j2 in _align(old_tokens, new_tokens, effort):
        x1, x2, y1, y2 = old_pos[i1], old_pos[i2], new_pos[j1], new_pos[j2]
        if tag == "replace":
            # Only the replaced tokens get a character diff: cheap, and it keeps e.g. the
            # unchanged "colo" of "colour" -> "color" aligned for codings ending mid-word.
            chars = _align(old[x1:x2], new[y1:y2], effort)
            ops.extend(_shift(chars, x1, y1))
        else:
            ops.append((tag, x1, x2, y1, y2))
    ops.append(("equal", old_stop, len(old), new_stop, len(new)))
    return _tidy(ops)


def _common_ends(old: str, new: str) -> tuple[int, int, int]:
    """Return ``(head, old_stop, new_stop)``: ``old[:head] == new[:head]`` and
    ``old[old_stop:] == new[new_stop:]``, with both cuts moved to word boundaries when one is
    near.

    Snapping to word starts matters for quality, not correctness: deleting "cat " from
    "the cat cut" leaves a raw common prefix "the c", and a character diff of the rest would
    then claim the "c" of "cut" was deleted, clipping a coding on "cut" to "ut".
    """
    shortest = min(len(old), len(new))
    prefix = _common_prefix_len(old, new, shortest)
    suffix = _common_suffix_len(old, new, shortest - prefix)
    shift = len(new) - len(old)

    head = prefix
    for k in range(prefix, max(prefix - _SNAP_LIMIT, 0) - 1, -1):
        if _is_word_start(old, k) and _is_word_start(new, k):
            head = k
            break

    old_stop = len(old) - suffix
    for k in range(old_stop, min(old_stop + _SNAP_LIMIT, len(old)) + 1):
        if _is_word_start(old, k) and _is_word_start(new, k + shift):
            old_stop = k
            break
    return head, old_stop, old_stop + shift


def _is_word_start(text: str, k: int) -> bool:
    """True at the ends of ``text`` and where non-whitespace follows whitespace."""
    return k == 0 or k == len(text) or (text[k - 1].isspace() and not text[k].isspace())


def _common_prefix_len(a: str, b: str, limit: int) -> int:
    # Binary search over slice comparisons: each comparison runs in C, so a 100k-char prefix
    # costs about 2 * 100k character compares instead of a Python-level loop per character.
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix_len(a: str, b: str, limit: int) -> int:
    la, lb = len(a), len(b)
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid : la - lo] == b[lb - mid : lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _token_offsets(tokens: Sequence[str], base: int) -> list[int]:
    """Character offset of every token boundary (``len(tokens) + 1`` entries)."""
    offsets = [base]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def _align(a: Sequence[Hashable], b: Sequence[Hashable], effort: _Effort) -> list[_Opcode]:
    """Opcodes aligning sequences ``a`` and ``b`` (indices relative to them)."""
    la, lb = len(a), len(b)
    shortest = min(la, lb)
    prefix = 0
    while prefix < shortest and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and a[la - 1 - suffix] == b[lb - 1 - suffix]:
        suffix += 1
    ops: list[_Opcode] = [("equal", 0, prefix, 0, prefix)]
    core = _align_core(a[prefix : la - suffix], b[prefix : lb - suffix], effort)
    ops.extend(_shift(core, prefix, prefix))
    ops.append(("equal", la - suffix, la, lb - suffix, lb))
    return ops


def _align_core(a: Sequence[Hashable], b: Sequence[Hashable], effort: _Effort) -> list[_Opcode]:
    """Like _align, for sequences that differ at both ends (or where one is empty)."""
    la, lb = len(a), len(b)
    if not la or not lb:
        return [("replace", 0, la, 0, lb)] if la or lb else []
    cost = _match_cost(a, b)
    if cost <= _MATCH_FREE or (cost <= _MATCH_CALL_LIMIT and cost <= effort.match_cost_left):
        if cost > _MATCH_FREE:
            effort.match_cost_left -= cost
        # autojunk=False: with it, SequenceMatcher ignores every element that makes up more
        # than 1% of a sequence of 200+, i.e. most letters and common words.
        return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()

    anchors = _unique_anchors(a, b)
    if anchors:
        # Elements occurring once on each side and in the same relative order are almost
        # certainly the same text; aligning them first leaves small gaps to diff (recursively,
        # since an element repeated overall may be unique within a gap).
        ops: list[_Opcode] = []
        prev_i = prev_j = 0
        for i, j in [*anchors, (la, lb)]:
            gap = _align(a[prev_i:i], b[prev_j:j], effort)
            ops.extend(_shift(gap, prev_i, prev_j))
            if i < la:
                ops.append(("equal", i, i + 1, j, j + 1))
            prev_i, prev_j = i + 1, j + 1
        return ops

    # Nothing unique to hold on to (e.g. a 50-word vocabulary repeated for pages). Myers' diff
    # costs O((N + M) * D) for D edits, so it is cheap exactly when edits are few.
    myers = _myers(a, b, effort)
    if myers is not None:
        return myers
    # Out of budget: give up on finer alignment for this stretch. Codings inside it are widened
    # to the replacement and reported "changed", which is safe (flagged), merely imprecise.
    return [("replace", 0, la, 0, lb)]


@dataclass
class _Effort:
    """Work that one diff may still spend on its expensive paths (see _MATCH_BUDGET)."""

    match_cost_left: int
    myers_steps_left: int


def _myers(a: Sequence[Hashable], b: Sequence[Hashable], effort: _Effort) -> list[_Opcode] | None:
    """Minimal edit script (Myers 1986, greedy forward search), or None once ``effort`` runs out.

    Opcodes group each maximal run of deletions/insertions into one "replace" (renamed by
    _tidy when one-sided), mirroring how SequenceMatcher reports adjacent edits.
    """
    n, m = len(a), len(b)
    offset = n + m + 1
    furthest = [0] * (2 * offset + 1)  # furthest[offset + k]: furthest x on diagonal k = x - y
    # trace[d] is the slice furthest[offset-d-1 : offset+d+2] as it stood *before* round d,
    # i.e. the round d-1 results that the backtrack needs; O(D^2) memory in total.
    trace: list[list[int]] = []
    work = 0
    done = False
    for d in range(n + m + 1):
        trace.append(furthest[offset - d - 1 : offset + d + 2])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and furthest[offset + k - 1] < furthest[offset + k + 1]):
                x = furthest[offset + k + 1]  # step down: insert b[y - 1]
            else:
                x = furthest[offset + k - 1] + 1  # step right: delete a[x - 1]
            y = x - k
            start = x
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            work += x - start + 1
            furthest[offset + k] = x
            if x >= n and y >= m:
                done = True
                break
        if done:
            break
        if work > effort.myers_steps_left:
            effort.myers_steps_left = 0
            return None
    effort.myers_steps_left -= work

    # Walk back from (n, m), collecting equal runs as (i, j, length), newest first.
    equal_runs: list[tuple[int, int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, -1, -1):
        before = trace[d]  # before[k + d + 1] == furthest x on diagonal k after round d - 1
        k = x - y
        if d == 0:
            prev_x = prev_y = 0
        else:
            down = k == -d or (k != d and before[k - 1 + d + 1] < before[k + 1 + d + 1])
            prev_k = k + 1 if down else k - 1
            prev_x = before[prev_k + d + 1]
            prev_y = prev_x - prev_k
        # The snake: diagonal moves back to just after the round's single edit step.
        snake_x = prev_x if d == 0 else (prev_x if prev_k == k + 1 else prev_x + 1)
        if x > snake_x:
            equal_runs.append((snake_x, snake_x - k, x - snake_x))
        x, y = prev_x, prev_y
    equal_runs.reverse()

    ops: list[_Opcode] = []
    i = j = 0
    for run_i, run_j, length in equal_runs:
        if run_i > i or run_j > j:
            ops.append(("replace", i, run_i, j, run_j))
        ops.append(("equal", run_i, run_i + length, run_j, run_j + length))
        i, j = run_i + length, run_j + length
    if i < n or j < m:
        ops.append(("replace", i, n, j, m))
    return ops


def _match_cost(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Approximate inner-loop steps of one SequenceMatcher longest-match scan over a and b."""
    counts_b = Counter(b)
    return sum(n * counts_b[x] for x, n in Counter(a).items() if x in counts_b)


def _unique_anchors(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]]:
    """Longest order-preserving list of ``(i, j)`` with ``a[i] == b[j]`` unique in both."""
    counts_a, counts_b = Counter(a), Counter(b)
    where_b = {x: j for j, x in enumerate(b) if counts_b[x] == 1}
    pairs = [(i, where_b[x]) for i, x in enumerate(a) if counts_a[x] == 1 and x in where_b]
    # Longest increasing subsequence of j (pairs are already sorted by i), patience sorting.
    tail_j: list[int] = []  # smallest j ending an increasing run of each length
    tail_idx: list[int] = []  # index into pairs of that run's last pair
    back: list[int] = [-1] * len(pairs)
    for idx, (_i, j) in enumerate(pairs):
        length = bisect_left(tail_j, j)
        if length:
            back[idx] = tail_idx[length - 1]
        if length == len(tail_j):
            tail_j.append(j)
            tail_idx.append(idx)
        else:
            tail_j[length] = j
            tail_idx[length] = idx
    chain: list[tuple[int, int]] = []
    idx = tail_idx[-1] if tail_idx else -1
    while idx != -1:
        chain.append(pairs[idx])
        idx = back[idx]
    chain.reverse()
    return chain


def _shift(ops: Iterable[_Opcode], di: int, dj: int) -> list[_Opcode]:
    return [(tag, i1 + di, i2 + di, j1 + dj, j2 + dj) for tag, i1, i2, j1, j2 in ops]


def _tidy(ops: Iterable[_Opcode]) -> list[_Opcode]:
    """Drop empty ops, merge neighbouring equals and normalise tags to the op's shape."""
    tidy: list[_Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if i1 == i2 and j1 == j2:
            continue
        if tag != "equal":
            # _align_core emits "replace" for one-sided stretches; name them by what they are.
            tag = "insert" if i1 == i2 else "delete" if j1 == j2 else "replace"
        if tidy and tag == "equal" and tidy[-1][0] == "equal":
            tidy[-1] = ("equal", tidy[-1][1], i2, tidy[-1][3], j2)
        else:
            tidy.append((tag, i1, i2, j1, j2))
    return tidy
