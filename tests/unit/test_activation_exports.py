"""Channel exports: manifests, diffs and atomic syncs; the HTTP destination's exactly-once push."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from orchestration.activation.http_destination import (
    DeliveryError,
    HttpDestination,
    push_rows,
)
from orchestration.activation.outbox import (
    ExportError,
    completed_syncs,
    definition_hash,
    publish,
    sha256_file,
)

WHEN = datetime(2026, 11, 1, tzinfo=UTC)


def _audience(rows: list[tuple[str, str]]) -> pa.Table:
    return pa.table(
        {"customer_key": [r[0] for r in rows], "greeting_name": [r[1] for r in rows]}
    )


def _publish(outbox: Path, table: pa.Table, run_id: str):
    return publish(
        table,
        outbox=outbox,
        destination="esp",
        audience="winback",
        key_column="customer_key",
        audience_definition_hash=definition_hash({"condition": "stage = 'lapsed'"}),
        run_id=run_id,
        generated_at=WHEN,
    )


def _diff(sync_dir: Path) -> dict[str, list[str]]:
    table = pacsv.read_csv(sync_dir / "diff.csv")
    out: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
    for key, kind in zip(
        table.column("customer_key").to_pylist(), table.column("change_type").to_pylist(),
        strict=True,
    ):
        out[kind].append(key)
    return out


def test_three_consecutive_syncs_have_right_manifests_and_diffs(tmp_path: Path) -> None:
    first = _publish(tmp_path, _audience([("C2", "Stig"), ("C1", "Anna")]), "run-1")
    assert first.sync_id == "000001" and first.previous_sync_id is None
    assert (first.added, first.removed, first.changed) == (2, 0, 0)
    # rows are sorted by key, the manifest's checksums match the files
    data = pq.read_table(first.path / "audience.parquet")
    assert data.column("customer_key").to_pylist() == ["C1", "C2"]
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["row_count"] == 2 and manifest["run_id"] == "run-1"
    for name, digest in manifest["files"].items():
        assert sha256_file(first.path / name) == digest

    # C1 erased (removed), C2 changed greeting, C3 new
    second = _publish(tmp_path, _audience([("C2", "Patrick"), ("C3", "Åsa")]), "run-2")
    assert second.sync_id == "000002" and second.previous_sync_id == "000001"
    assert _diff(second.path) == {"added": ["C3"], "removed": ["C1"], "changed": ["C2"]}
    assert (second.added, second.removed, second.changed) == (1, 1, 1)

    # a rerun with no data change: empty diff, identical data checksums
    third = _publish(tmp_path, _audience([("C3", "Åsa"), ("C2", "Patrick")]), "run-3")
    assert _diff(third.path) == {"added": [], "removed": [], "changed": []}
    assert third.manifest["files"]["audience.parquet"] == second.manifest["files"][
        "audience.parquet"
    ]
    assert completed_syncs(tmp_path / "esp" / "winback") == ["000001", "000002", "000003"]
    # nothing half-written is left behind
    assert not [p for p in (tmp_path / "esp" / "winback").iterdir() if p.name.startswith(".")]


def test_failed_publish_leaves_no_sync(tmp_path: Path) -> None:
    _publish(tmp_path, _audience([("C1", "Anna")]), "run-1")
    with pytest.raises(ExportError, match=r"winback.*duplicate customer_key"):
        _publish(tmp_path, _audience([("C1", "Anna"), ("C1", "Anna")]), "run-2")
    with pytest.raises(ExportError, match=r"winback.*without customer_key"):
        _publish(tmp_path, _audience([(None, "Anna")]), "run-2")  # type: ignore[list-item]
    audience_dir = tmp_path / "esp" / "winback"
    assert completed_syncs(audience_dir) == ["000001"]
    assert sorted(p.name for p in audience_dir.iterdir()) == ["000001"]


class _FlakyReceiver(BaseHTTPRequestHandler):
    """Stores batches by idempotency key; fails some requests before and some after storing."""

    received: dict[str, list[dict]]
    calls: int
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers["Idempotency-Key"]
        with self.lock:
            type(self).calls += 1
            call = type(self).calls
            if call % 3 == 1:  # fail before processing
                self._answer(503)
                return
            if key not in self.received:
                self.received[key] = body["rows"]
            if call % 4 == 0:  # processed, but the response says it failed (lost ack)
                self._answer(500)
                return
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def flaky_server():
    handler = type("Receiver", (_FlakyReceiver,), {"received": {}, "calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, handler
    finally:
        server.shutdown()
        server.server_close()


def test_http_destination_delivers_every_row_exactly_once(flaky_server) -> None:
    server, handler = flaky_server
    rows = [{"customer_key": f"C{i:04d}", "greeting_name": "Åsa"} for i in range(1_050)]
    target = HttpDestination(
        url=f"http://127.0.0.1:{server.server_address[1]}/audiences", batch_size=100,
        max_attempts=5,
    )
    result = push_rows(
        rows, target=target, destination="crm_api", audience="winback", sync_id="000001",
        sleep=lambda _: None,
    )
    assert result.batches == 11 and result.rows == 1_050
    assert result.retries > 0  # failures were injected and overcome
    delivered = [row["customer_key"] for batch in handler.received.values() for row in batch]
    assert sorted(delivered) == sorted(r["customer_key"] for r in rows)  # each exactly once


def test_http_destination_gives_up_with_a_clear_error(flaky_server) -> None:
    server, _ = flaky_server
    target = HttpDestination(
        url=f"http://127.0.0.1:{server.server_address[1]}/", batch_size=10, max_attempts=1
    )
    with pytest.raises(DeliveryError, match=r"winback sync 000001: batch 1/1 failed after 1"):
        push_rows(
            [{"customer_key": "C1"}], target=target, destination="crm_api", audience="winback",
            sync_id="000001", sleep=lambda _: None,
        )


def test_logs_carry_no_row_contents(flaky_server, caplog: pytest.LogCaptureFixture) -> None:
    server, _ = flaky_server
    target = HttpDestination(url=f"http://127.0.0.1:{server.server_address[1]}/", batch_size=2)
    rows = [{"email": f"person{i}@example.se"} for i in range(6)]
    with caplog.at_level("DEBUG"):
        push_rows(rows, target=target, destination="d", audience="a", sync_id="1",
                  sleep=lambda _: None)
    assert caplog.records and "example.se" not in caplog.text


def test_a_sync_that_only_removes_keeps_every_column_in_its_diff(tmp_path: Path) -> None:
    _publish(tmp_path, _audience([("C1", "Anna"), ("C2", "Stig")]), "run-1")
    second = _publish(tmp_path, _audience([("C2", "Stig")]), "run-2")
    diff = pacsv.read_csv(second.path / "diff.csv")
    assert diff.column_names == ["customer_key", "greeting_name", "change_type"]
    assert diff.to_pylist() == [
        {"customer_key": "C1", "greeting_name": None, "change_type": "removed"}
    ]
    assert second.manifest["diff"] == {"added": 0, "removed": 1, "changed": 0}


class _DroppingReceiver(BaseHTTPRequestHandler):
    """Stores batches by idempotency key; drops the connection without an answer on every
    third request (before storing) and on every fifth (after storing: a lost acknowledgement)."""

    received: dict[str, list[dict]]
    calls: int
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            type(self).calls += 1
            call = type(self).calls
            if call % 3 == 0:
                self.close_connection = True
                return
            self.received.setdefault(self.headers["Idempotency-Key"], body["rows"])
            if call % 5 == 0:
                self.close_connection = True
                return
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_http_push_is_exactly_once_across_dropped_connections_and_a_resumed_push() -> None:
    """A push that gives up half-way and is run again (the asset retried) still stores every
    row exactly once: the batches keep their idempotency keys."""
    handler = type("Receiver", (_DroppingReceiver,), {"received": {}, "calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/esp/winback"
        rows = [{"customer_key": f"C{i:04d}"} for i in range(95)]
        impatient = HttpDestination(url=url, batch_size=10, max_attempts=1)
        with pytest.raises(DeliveryError, match=r"winback sync 000007: batch \d+/10 failed"):
            push_rows(rows, target=impatient, destination="esp", audience="winback",
                      sync_id="000007", sleep=lambda _: None)
        stored_before = sum(len(batch) for batch in handler.received.values())
        assert 0 < stored_before < len(rows)
        patient = HttpDestination(url=url, batch_size=10, max_attempts=4)
        result = push_rows(rows, target=patient, destination="esp", audience="winback",
                           sync_id="000007", sleep=lambda _: None)
    finally:
        server.shutdown()
        server.server_close()
    assert result.retries > 0
    delivered = [row["customer_key"] for batch in handler.received.values() for row in batch]
    assert sorted(delivered) == [row["customer_key"] for row in rows]


def test_diff_tells_null_from_empty_and_treats_new_columns_as_changes(tmp_path: Path) -> None:
    def table(keys: list[str], names: list[str | None], **extra: list[str]) -> pa.Table:
        return pa.table({"customer_key": keys, "greeting_name": names, **extra})

    _publish(tmp_path, table(["C1", "C2", "C3"], ["", None, "Åsa"]), "run-1")
    second = _publish(tmp_path, table(["C1", "C2", "C3"], [None, None, "Åsa"]), "run-2")
    assert _diff(second.path) == {"added": [], "removed": [], "changed": ["C1"]}
    third = _publish(tmp_path, table(["C1", "C2"], [None, None], city=["Umeå", "Luleå"]), "run-3")
    assert _diff(third.path) == {"added": [], "removed": ["C3"], "changed": ["C1", "C2"]}
