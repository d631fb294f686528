"""Files for the upload tests, made in the test: Word documents by python-docx, workbooks by
openpyxl, and the zips Word never writes (bombs, thousands of parts, paths that climb out)
built from a real Word document, so that each is refused for the one thing wrong with it."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile

import docx
import openpyxl

from candour.cases import attachments

MB = 1024 * 1024


def word_document(text: str = "Statement from the ward manager, 2 November.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Reference", "Received"])
    book.active.append(["WAL-0001", "2026-11-02"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parts_of(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_of(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def word_with(
    *,
    extra: dict[str, bytes] | None = None,
    empty_parts: int = 0,
    zeros: dict[str, int] | None = None,
    replace: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A real Word document with more in its zip: `extra` parts (a name may repeat one the
    document has), `empty_parts` empty parts, and parts of `zeros` bytes of zero written
    through zipfile's streaming writer (never whole in memory)."""
    out = io.BytesIO()
    zeros = zeros or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of a repeated name
        with zipfile.ZipFile(out, "w", compression, compresslevel=1) as archive:
            for name, data in {**parts_of(word_document()), **(replace or {})}.items():
                if name not in zeros:
                    archive.writestr(name, data)
            for name, data in (extra or {}).items():
                archive.writestr(name, data)
            for number in range(empty_parts):
                archive.writestr(zipfile.ZipInfo(f"customXml/empty{number}.xml"), b"")
            chunk = bytes(MB)
            for name, size in zeros.items():
                with archive.open(name, "w") as part:
                    for start in range(0, size, MB):
                        part.write(chunk[: min(MB, size - start)])
    return out.getvalue()


def declaring(content: bytes, name: str, size: int) -> bytes:
    """`content` with the unpacked size of part `name` changed to `size` where the zip
    declares it (its local header and its central directory record), the data left as it
    was: a zip that lies about how much a part unpacks to."""
    out = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<I", out, info.header_offset + 22, size)
    record = content.find(b"PK\x01\x02")
    while record != -1:
        length = struct.unpack_from("<H", content, record + 28)[0]
        if content[record + 46 : record + 46 + length] == name.encode():
            struct.pack_into("<I", out, record + 24, size)
            return bytes(out)
        record = content.find(b"PK\x01\x02", record + 4)
    raise AssertionError(f"no central record for {name}")


def ole(stream: str) -> bytes:
    """A compound file (the container of .doc and .msg) whose directory names `stream`."""
    return attachments.OLE + bytes(504) + stream.encode("utf-16-le") + bytes(64)
