"""Loading the code lists of a statutory return from a data file.

A file (JSON; see codelists/ko41a.json) names its return, the financial years it is for,
where its labels come from, and one list per dimension. Candour ships a file per return with
the lists REGULATIONS.md §3 gives, the unconfirmed ones marked so; an administrator loads the
published lists in their place with `candour codelists load FILE`. Loading checks everything
before writing anything, keeps each code's key (cases coded with it stay coded), retires the
codes the new file leaves out and audits each list it changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from candour.audit.chain import record
from candour.cases.models import Relationship
from candour.coding.models import Code, CodeList, Dimension, Return
from candour.config.transactions import atomic

SHIPPED = Path(__file__).resolve().parent / "codelists"
KEY = re.compile(r"^[a-z0-9_]{1,60}$")
YEAR = re.compile(r"^(\d{4})-(\d{2})$")


class CodeListError(ValueError):
    """A code-list file that cannot be loaded; the message says where and what to fix."""


@dataclass
class LoadResult:
    return_code: str
    years: list[int]
    changed: list[str]  # "KO41a 2024-25 subject: 2 added, 1 retired, revision 2"
    unchanged: int


def shipped_files() -> list[Path]:
    return sorted(SHIPPED.glob("*.json"))


def parse_year(text: str, where: str) -> int:
    match = YEAR.match(str(text))
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise CodeListError(f"{where}: '{text}' is not a financial year such as 2024-25")
    return int(match[1])


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _need(mapping: dict, name: str, where: str, kind: type = str):
    value = mapping.get(name)
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        what = "text" if kind is str else "a list" if kind is list else kind.__name__
        raise CodeListError(f"{where}: '{name}' is missing or not {what}")
    return value


def _check_ages(codes: list[dict], where: str) -> None:
    ranges = []
    for i, c in enumerate(codes):
        if c.get("unknown"):
            continue
        start, end = c.get("age_from"), c.get("age_to")
        if not isinstance(start, int) or start < 0:
            raise CodeListError(f"{where}, code {i + 1}: 'age_from' must be a whole number >= 0")
        if end is not None and (not isinstance(end, int) or end < start):
            raise CodeListError(
                f"{where}, code {i + 1}: 'age_to' must be empty (no upper limit) or a whole "
                "number no less than 'age_from'"
            )
        ranges.append((start, end, c["key"]))
    ranges.sort(key=lambda r: r[0])
    expected = 0
    for start, end, key in ranges:
        if expected is None or start != expected:
            raise CodeListError(
                f"{where}: the age bands must run from 0 with no gap or overlap; '{key}' starts "
                f"at {start} where {expected if expected is not None else 'nothing'} was expected"
            )
        expected = None if end is None else end + 1
    if expected is not None:
        raise CodeListError(f"{where}: the last age band needs an empty 'age_to' (no upper limit)")


def _check_statuses(codes: list[dict], where: str) -> None:
    seen: dict[str, str] = {}
    for i, c in enumerate(codes):
        rels = c.get("relationships", [])
        if not isinstance(rels, list):
            raise CodeListError(f"{where}, code {i + 1}: 'relationships' must be a list")
        for rel in rels:
            if rel not in Relationship.values:
                raise CodeListError(
                    f"{where}, code {i + 1}: '{rel}' is not a relationship; use one of "
                    f"{', '.join(Relationship.values)}"
                )
            if rel in seen:
                raise CodeListError(
                    f"{where}: relationship '{rel}' is under both '{seen[rel]}' and "
                    f"'{c['key']}'; each may map to one status only"
                )
            seen[rel] = c["key"]


def validate(data: object, name: str = "the file") -> tuple[str, list[int], list[dict]]:
    """Check a whole file; return its return code, years and lists. Raises CodeListError."""
    if not isinstance(data, dict):
        raise CodeListError(f"{name}: must hold one JSON object")
    return_code = _need(data, "return", name)
    if return_code not in Return.values:
        raise CodeListError(f"{name}: 'return' must be one of {', '.join(Return.values)}")
    years = [parse_year(y, f"{name}: 'years'") for y in _need(data, "years", name, list)]
    if not years:
        raise CodeListError(f"{name}: 'years' is empty; name at least one, such as 2024-25")
    _need(data, "source", name)
    lists = _need(data, "lists", name, list)
    dimensions = set()
    for n, lst in enumerate(lists, start=1):
        where = f"{name}, list {n}"
        if not isinstance(lst, dict):
            raise CodeListError(f"{where}: must be an object")
        dimension = _need(lst, "dimension", where)
        if dimension not in Dimension.values:
            raise CodeListError(
                f"{where}: 'dimension' must be one of {', '.join(Dimension.values)}"
            )
        if dimension in dimensions:
            raise CodeListError(f"{where}: a second '{dimension}' list; give each dimension once")
        dimensions.add(dimension)
        where = f"{name}, {dimension} list"
        _need(lst, "title", where)
        _need(lst, "source", where)
        codes = _need(lst, "codes", where, list)
        if not codes:
            raise CodeListError(f"{where}: 'codes' is empty")
        keys = set()
        for i, c in enumerate(codes, start=1):
            if not isinstance(c, dict):
                raise CodeListError(f"{where}, code {i}: must be an object")
            key = _need(c, "key", f"{where}, code {i}")
            if not KEY.match(key):
                raise CodeListError(
                    f"{where}, code {i}: key '{key}' must be lower-case letters, digits and _ "
                    "(at most 60)"
                )
            if key in keys:
                raise CodeListError(f"{where}: key '{key}' appears twice")
            keys.add(key)
            _need(c, "label", f"{where}, code {i}")
        unknown = [c["key"] for c in codes if c.get("unknown")]
        if dimension in (Dimension.AGE_BAND, Dimension.STATUS):
            if len(unknown) != 1:
                raise CodeListError(
                    f'{where}: needs exactly one code marked "unknown": true (it has '
                    f"{len(unknown)}), so that every new complaint falls in one band"
                )
            if dimension == Dimension.AGE_BAND:
                _check_ages(codes, where)
            else:
                _check_statuses(codes, where)
        elif unknown:
            raise CodeListError(f"{where}: only age band and status lists have an unknown code")
    return return_code, years, lists


def _fields(lst: dict, c: dict, position: int) -> dict:
    dimension = lst["dimension"]
    return {
        "label": c["label"].strip(),
        "position": position,
        "unconfirmed": bool(lst.get("unconfirmed")) and not c.get("confirmed", False),
        "retired": False,
        "age_from": c.get("age_from") if dimension == Dimension.AGE_BAND else None,
        "age_to": c.get("age_to") if dimension == Dimension.AGE_BAND else None,
        "relationships": sorted(c.get("relationships", []))
        if dimension == Dimension.STATUS
        else [],
        "unknown": bool(c.get("unknown")),
    }


@atomic
def load(data: object, *, file_name: str = "", sha256: str = "", by=None) -> LoadResult:
    """Load a parsed file. Idempotent: the same file twice changes nothing the second time."""
    return_code, years, lists = validate(data, file_name or "the file")
    now = timezone.now()
    changed, unchanged = [], 0
    for year in years:
        for lst in lists:
            header = {
                "title": lst["title"].strip(),
                "source": lst["source"].strip(),
                "unconfirmed": bool(lst.get("unconfirmed")),
            }
            code_list = (
                CodeList.objects.select_for_update()
                .filter(return_code=return_code, year=year, dimension=lst["dimension"])
                .first()
            )
            created = code_list is None
            if created:
                code_list = CodeList.objects.create(
                    return_code=return_code,
                    year=year,
                    dimension=lst["dimension"],
                    loaded_at=now,
                    loaded_by=by,
                    file_name=file_name,
                    file_sha256=sha256,
                    **header,
                )
            existing = {c.key: c for c in code_list.codes.all()}
            added, relabelled, kept = [], [], set()
            for position, c in enumerate(lst["codes"], start=1):
                fields = _fields(lst, c, position)
                code = existing.get(c["key"])
                kept.add(c["key"])
                if code is None:
                    Code.objects.create(code_list=code_list, key=c["key"], **fields)
                    added.append(c["key"])
                elif any(getattr(code, f) != v for f, v in fields.items()):
                    Code.objects.filter(pk=code.pk).update(**fields)
                    relabelled.append(c["key"])
            retired = [k for k, code in existing.items() if k not in kept and not code.retired]
            Code.objects.filter(code_list=code_list, key__in=retired).update(retired=True)
            header_changed = any(getattr(code_list, f) != v for f, v in header.items())
            if not created and not (added or relabelled or retired or header_changed):
                unchanged += 1
                continue
            if not created:
                for f, v in header.items():
                    setattr(code_list, f, v)
                code_list.revision += 1
                code_list.loaded_at, code_list.loaded_by = now, by
                code_list.file_name, code_list.file_sha256 = file_name, sha256
                code_list.save()
            record(
                "code_list_loaded",
                actor=by,
                at=now,
                return_code=return_code,
                year=year_label(year),
                dimension=lst["dimension"],
                revision=code_list.revision,
                file=file_name,
                sha256=sha256,
                added=added,
                changed=relabelled,
                retired=retired,
            )
            changed.append(
                f"{return_code} {year_label(year)} {lst['dimension']}: {len(added)} added, "
                f"{len(relabelled)} changed, {len(retired)} retired, revision {code_list.revision}"
            )
    return LoadResult(return_code, years, changed, unchanged)


def load_file(path: Path | str, *, by=None) -> LoadResult:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CodeListError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CodeListError(f"{path.name}: is not valid JSON ({error})") from None
    return load(data, file_name=path.name, sha256=hashlib.sha256(raw).hexdigest(), by=by)


def load_shipped(*, by=None) -> list[LoadResult]:
    return [load_file(p, by=by) for p in shipped_files()]
