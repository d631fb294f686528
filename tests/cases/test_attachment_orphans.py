"""An upload that dies part way leaves no row pointing at a missing or half-written file, and
`candour attachments clean` (also run by `candour serve` as it starts) removes what such an
upload leaves on disk, and nothing else (issue 15)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from candour.audit.models import AuditEvent
from candour.cases import attachments
from candour.cases.models import Attachment

from ..conftest import make_case

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def stored(settings, tmp_path):
    settings.ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.ATTACHMENTS_DIR


@pytest.fixture
def case(org_a, alice, frozen):
    return make_case(org_a, alice)


def files_in(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def aged(path, minutes: int) -> None:
    """Make `path` look last written `minutes` ago."""
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def test_an_upload_that_fails_after_its_file_is_in_place_leaves_nothing(
    case, alice, stored, monkeypatch
):
    seen = []

    def disk_failed(folder):
        seen.extend(files_in(stored))  # the file is in place, its row not yet committed
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(attachments, "_sync_folder", disk_failed)
    with pytest.raises(OSError):
        attachments.add_attachment(case, by=alice, name="letter.pdf", content=PDF)
    assert len(seen) == 1 and not seen[0].endswith(attachments.PARTIAL)
    assert files_in(stored) == []
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(event="attachment_added").exists()


def test_a_clash_of_names_leaves_the_first_file_as_it_was(case, alice, stored, monkeypatch):
    first = attachments.add_attachment(case, by=alice, name="a.txt", content=b"first")
    taken = uuid.UUID(hex=first.stored_as.split("/")[1])
    monkeypatch.setattr(attachments.uuid, "uuid4", lambda: taken)  # the row cannot be saved
    with pytest.raises(IntegrityError):
        attachments.add_attachment(case, by=alice, name="b.txt", content=b"second")
    assert files_in(stored) == [first.stored_as]
    assert attachments.path_of(first).read_bytes() == b"first"
    assert AuditEvent.objects.filter(event="attachment_added").count() == 1


def test_clean_removes_only_what_dead_uploads_left(case, alice, stored, capsys):
    folder = stored / str(case.organisation_id)
    kept = attachments.add_attachment(case, by=alice, name="kept.pdf", content=PDF)
    aged(attachments.path_of(kept), 60)  # old, but it has a row
    # An upload inside a transaction that then rolled back: its file is in place, no row.
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = attachments.add_attachment(case, by=alice, name="lost.pdf", content=PDF)
        raise RuntimeError("the request failed after the upload")
    aged(attachments.path_of(lost), 60)
    # A process killed while writing: a partial file.
    killed = folder / f"{uuid.uuid4().hex}{attachments.PARTIAL}"
    killed.write_bytes(PDF[:10])
    aged(killed, 60)
    # An upload under way: a partial file, and a file placed but not yet committed.
    writing = folder / f"{uuid.uuid4().hex}{attachments.PARTIAL}"
    writing.write_bytes(PDF[:10])
    aged(writing, 1)
    placing = folder / uuid.uuid4().hex
    placing.write_bytes(PDF)
    aged(placing, 1)
    # Files Candour does not name: left alone, however old.
    for stranger in (stored / "README.txt", folder / "notes.txt", folder / "ABCDEF.part"):
        stranger.write_text("Kept by someone else.")
        aged(stranger, 600)
    orphans = sorted([lost.stored_as, str(killed.relative_to(stored))])
    everything = files_in(stored)

    call_command("attachments", "clean", "--dry-run")
    assert capsys.readouterr().out.splitlines() == [
        *orphans,
        "Attachments clean: 2 file(s) with no attachment to remove.",
    ]
    assert files_in(stored) == everything
    assert not AuditEvent.objects.filter(event="attachments_cleaned").exists()

    call_command("attachments", "clean")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Attachments clean: 2 file(s) with no attachment removed."
    )
    assert files_in(stored) == sorted(set(everything) - set(orphans))
    event = AuditEvent.objects.get(event="attachments_cleaned")
    assert (event.actor, event.data) == (None, {"count": 2, "files": orphans})
    with attachments.open_attachment(kept, by=alice) as handle:
        assert handle.read() == PDF

    call_command("attachments", "clean")  # nothing left to remove, nothing to audit
    assert AuditEvent.objects.filter(event="attachments_cleaned").count() == 1


def test_clean_with_no_attachments_folder_does_nothing(db, stored, capsys):
    call_command("attachments", "clean")
    assert "0 file(s)" in capsys.readouterr().out
    assert not stored.exists()


def test_candour_serve_cleans_before_it_serves(tmp_path):
    """The real command, on its own SQLite database in a fresh data folder."""
    left = tmp_path / "attachments" / "1" / f"{uuid.uuid4().hex}{attachments.PARTIAL}"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"%PDF-1.7 half")
    then = time.time() - 3600  # the real clock: the server's
    os.utime(left, (then, then))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CANDOUR_"))}
    env["CANDOUR_DATA_DIR"] = str(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "candour.config.cli", "serve", "--bind", "127.0.0.1:8131"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("Candour is running"):
                break
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert "Attachments clean: 1 file(s) with no attachment removed." in lines, lines
    assert lines[-1] == "Candour is running at http://127.0.0.1:8131/"
    assert not left.exists()
