"""Sending an export to Tandem: only what changed since Tandem last acknowledged it.

A client's hash is saved only once Tandem has acknowledged the batch holding it, so a run
that stops part-way (network down, Ctrl-C, the computer turned off) resumes where it got to.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from tandem_agent.client import TandemApi
from tandem_agent.errors import AgentError
from tandem_agent.export import Export, record_hash
from tandem_agent.state import SentState

REMOVED_CHUNK = 1000


@dataclass
class PushSummary:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    sent: int = 0
    refused: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.refused


def push(
    export: Export,
    *,
    api: TandemApi,
    state_dir: Path,
    batch_size: int = 200,
    dry_run: bool = False,
    out: TextIO,
    progress: bool = False,
    batch_sent: Callable[[int], None] | None = None,
) -> PushSummary:
    """Send `export`'s new and changed clients in batches, then tell Tandem which clients are
    gone from it. `batch_sent(n)` is told after each acknowledged batch."""
    state = SentState.load(state_dir, server=api.server)
    summary = PushSummary()
    pending = []
    for code, record in export.records.items():
        digest = record_hash(record)
        previous = state.hashes.get(code)
        if previous == digest:
            summary.unchanged += 1
            continue
        if previous is None:
            summary.new += 1
        else:
            summary.changed += 1
        pending.append((code, record, digest))
    summary.gone = sorted(set(state.hashes) - set(export.records) - export.codes_unread)
    if summary.gone and not export.records:
        raise AgentError(
            f"The export holds no clients, yet Tandem has {len(state.hashes)}: not telling Tandem "
            "they are all gone. Check the export."
        )
    if dry_run:
        return summary

    with tqdm(
        total=len(pending), unit="client", disable=not progress, file=out, leave=False
    ) as bar:
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            answer = api.clients_send([record for _, record, _ in batch])
            refused = {refusal["index"]: refusal["message"] for refusal in answer["refused"]}
            for index, (code, _, digest) in enumerate(batch):
                if index in refused:
                    summary.refused.append(f"Client {code}: Tandem refused it: {refused[index]}")
                    state.hashes.pop(code, None)
                else:
                    state.hashes[code] = digest
            state.save(state_dir)
            summary.sent += len(batch) - len(refused)
            bar.update(len(batch))
            if batch_sent is not None:
                batch_sent(len(batch))

    for start in range(0, len(summary.gone), REMOVED_CHUNK):
        chunk = summary.gone[start : start + REMOVED_CHUNK]
        api.clients_removed(chunk)
        for code in chunk:
            del state.hashes[code]
        state.save(state_dir)
    return summary
