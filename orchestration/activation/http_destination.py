"""Optional HTTP destination: push an audience sync as batched JSON POSTs.

Each batch carries an ``Idempotency-Key`` header derived from (destination, audience, sync id,
batch number), so a receiver that honours it stores every row exactly once even when a response
is lost and the batch is sent again. Transient failures (connection errors, timeouts, HTTP 408,
425, 429 and 5xx) are retried with exponential backoff; other 4xx responses fail the push at once.
Logs carry counts, batch numbers and status codes only — never row contents (PII).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class DeliveryError(RuntimeError):
    """A batch could not be delivered; the message names the batch and the last status."""


@dataclass(frozen=True)
class HttpDestination:
    """Where and how to POST: URL, rows per batch, retry policy."""

    url: str
    batch_size: int = 500
    max_attempts: int = 6
    backoff_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    timeout_seconds: float = 30.0
    bearer_token: str | None = None


@dataclass(frozen=True)
class PushResult:
    batches: int
    rows: int
    attempts: int
    retries: int


def idempotency_key(destination: str, audience: str, sync_id: str, batch_number: int) -> str:
    text = f"{destination}\x1f{audience}\x1f{sync_id}\x1f{batch_number}"
    return hashlib.sha256(text.encode()).hexdigest()


def _post(request: urllib.request.Request, timeout: float) -> int:
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
        return int(response.status)


def push_rows(
    rows: Sequence[dict[str, Any]],
    *,
    target: HttpDestination,
    destination: str,
    audience: str,
    sync_id: str,
    sleep: Callable[[float], None] = time.sleep,
) -> PushResult:
    """POST ``rows`` in batches; return counts, raise :class:`DeliveryError` when a batch fails."""
    if target.batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {target.batch_size}")
    batches = [rows[i : i + target.batch_size] for i in range(0, len(rows), target.batch_size)]
    attempts_total = 0
    for number, batch in enumerate(batches, start=1):
        body = json.dumps(
            {
                "destination": destination,
                "audience": audience,
                "sync_id": sync_id,
                "batch": number,
                "batches": len(batches),
                "rows": list(batch),
            },
            default=str,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key(destination, audience, sync_id, number),
        }
        if target.bearer_token:
            headers["Authorization"] = f"Bearer {target.bearer_token}"
        last_problem = "not sent"
        for attempt in range(1, target.max_attempts + 1):
            attempts_total += 1
            request = urllib.request.Request(target.url, data=body, headers=headers, method="POST")
            try:
                status = _post(request, target.timeout_seconds)
            except urllib.error.HTTPError as error:
                status = error.code
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                status, last_problem = 0, type(error).__name__
            if 200 <= status < 300:
                break
            if status:
                last_problem = f"HTTP {status}"
                if status not in RETRYABLE_STATUS:
                    raise DeliveryError(
                        f"{audience} sync {sync_id}: batch {number}/{len(batches)} rejected "
                        f"({last_problem}); not retried"
                    )
            if attempt == target.max_attempts:
                raise DeliveryError(
                    f"{audience} sync {sync_id}: batch {number}/{len(batches)} failed after "
                    f"{attempt} attempts (last: {last_problem})"
                )
            delay = min(target.backoff_max_seconds, target.backoff_seconds * 2 ** (attempt - 1))
            log.warning(
                "%s sync %s batch %d/%d: %s, retry %d in %.1f s",
                audience, sync_id, number, len(batches), last_problem, attempt, delay,
            )
            sleep(delay)
    log.info("%s sync %s: %d rows in %d batches delivered", audience, sync_id, len(rows),
             len(batches))
    return PushResult(
        batches=len(batches),
        rows=len(rows),
        attempts=attempts_total,
        retries=attempts_total - len(batches),
    )
