"""Loading code lists from data files: the shipped lists, a replacement file, refusals."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from candour.audit.models import AuditEvent
from candour.coding.codelists import CodeListError, load, load_shipped, shipped_files
from candour.coding.models import Code, CodeList


def shipped(name: str) -> dict:
    return json.loads(next(p for p in shipped_files() if p.name == name).read_text())


def test_the_shipped_files_load_every_list_for_each_year_they_name(db):
    load_shipped()
    lists = CodeList.objects.filter(year=2024)
    assert sorted(lists.filter(return_code="KO41a").values_list("dimension", flat=True)) == [
        "age_band",
        "profession",
        "service",
        "status",
        "subject",
    ]
    assert sorted(lists.filter(return_code="KO41b").values_list("dimension", flat=True)) == [
        "age_band",
        "profession",
        "status",
        "subject",
    ]
    subjects = CodeList.objects.get(return_code="KO41a", year=2025, dimension="subject")
    assert subjects.unconfirmed
    assert "REGULATIONS.md §3.3" in subjects.source
    # Labels seen in the guidance are confirmed; the recalled rest are not.
    assert not subjects.codes.get(key="communications").unconfirmed
    assert subjects.codes.get(key="waiting_times").unconfirmed
    assert subjects.codes.count() == 21
    assert AuditEvent.objects.filter(event="code_list_loaded").count() == 27


def test_loading_the_same_file_twice_changes_nothing(db):
    load_shipped()
    events = AuditEvent.objects.count()
    results = load_shipped()
    assert [r.changed for r in results] == [[], []]
    assert AuditEvent.objects.count() == events
    assert set(CodeList.objects.values_list("revision", flat=True)) == {1}


def test_a_replacement_file_relabels_adds_and_retires_codes_and_keeps_the_keys(db):
    load_shipped()
    data = shipped("ko41a.json")
    data["years"] = ["2024-25"]
    subjects = next(lst for lst in data["lists"] if lst["dimension"] == "subject")
    subjects["unconfirmed"] = False
    subjects["codes"] = [c for c in subjects["codes"] if c["key"] != "mortuary"]
    subjects["codes"][0]["label"] = "Access to treatment or medicines"
    subjects["codes"].append({"key": "digital_access", "label": "Digital access"})
    data["lists"] = [subjects]

    result = load(data, file_name="published-2024-25.json", sha256="ab" * 32)

    assert result.changed == ["KO41a 2024-25 subject: 1 added, 19 changed, 1 retired, revision 2"]
    lst = CodeList.objects.get(return_code="KO41a", year=2024, dimension="subject")
    assert (lst.revision, lst.file_name, lst.unconfirmed) == (2, "published-2024-25.json", False)
    assert lst.codes.get(key="access_to_treatment").label == "Access to treatment or medicines"
    assert lst.codes.get(key="mortuary").retired
    assert lst.codes.get(key="digital_access").position == 21
    # The other year is untouched.
    assert not Code.objects.get(
        code_list__return_code="KO41a",
        code_list__year=2025,
        code_list__dimension="subject",
        key="mortuary",
    ).retired
    event = AuditEvent.objects.filter(event="code_list_loaded").latest("sequence")
    assert event.data["retired"] == ["mortuary"]
    assert event.data["added"] == ["digital_access"]


def broken(change) -> dict:
    data = copy.deepcopy(shipped("ko41a.json"))
    change(data)
    return data


def ages(data) -> list[dict]:
    return next(lst for lst in data["lists"] if lst["dimension"] == "age_band")["codes"]


def statuses(data) -> list[dict]:
    return next(lst for lst in data["lists"] if lst["dimension"] == "status")["codes"]


BAD = [
    (lambda d: d.update({"return": "KO41c"}), "'return' must be one of KO41a, KO41b"),
    (lambda d: d.update({"years": ["2024-26"]}), "'2024-26' is not a financial year"),
    (lambda d: d.update({"years": []}), "'years' is empty"),
    (lambda d: d.pop("source"), "'source' is missing"),
    (lambda d: d["lists"][0].update({"dimension": "colour"}), "'dimension' must be one of"),
    (lambda d: d["lists"].append(d["lists"][0]), "a second 'subject' list"),
    (lambda d: d["lists"][0]["codes"][1].update({"key": "Bad Key"}), "key 'Bad Key' must be"),
    (
        lambda d: d["lists"][0]["codes"][1].update({"key": "access_to_treatment"}),
        "key 'access_to_treatment' appears twice",
    ),
    (lambda d: d["lists"][0]["codes"][2].update({"label": " "}), "code 3: 'label' is missing"),
    (lambda d: ages(d)[1].update({"age_from": 19}), "no gap or overlap; 'age_18_64' starts at 19"),
    (lambda d: ages(d)[2].update({"age_to": 99}), "the last age band needs an empty 'age_to'"),
    (lambda d: ages(d)[3].pop("unknown"), 'needs exactly one code marked "unknown": true'),
    (
        lambda d: statuses(d)[0]["relationships"].append("mp"),
        "relationship 'mp' is under both 'patient' and 'on_behalf'",
    ),
    (lambda d: statuses(d)[0]["relationships"].append("cousin"), "'cousin' is not a relationship"),
    (lambda d: d["lists"][0]["codes"][0].update({"unknown": True}), "only age band and status"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_a_bad_file_is_refused_with_where_and_what_and_nothing_is_loaded(db, change, message):
    with pytest.raises(CodeListError) as error:
        load(broken(change), file_name="mine.json")
    assert message in str(error.value)
    assert str(error.value).startswith("mine.json")
    assert not CodeList.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_command_loads_an_administrators_file_and_refuses_a_broken_one(db, tmp_path, capsys):
    good = tmp_path / "ko41b-published.json"
    data = shipped("ko41b.json")
    data["years"] = ["2027-28"]
    good.write_text(json.dumps(data))
    call_command("codelists", "load", str(good))
    assert CodeList.objects.filter(return_code="KO41b", year=2027).count() == 4
    assert "4 list(s) loaded or changed" in capsys.readouterr().out

    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match=r"Nothing loaded from .*bad.json: bad.json: is not"):
        call_command("codelists", "load", str(bad))

    call_command("codelists", "show")
    assert "KO41b 2027-28 Subject area: 21 codes, revision 1" in capsys.readouterr().out
