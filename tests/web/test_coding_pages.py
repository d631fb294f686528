"""The coding pages (issue 16, R36): "Code this case" from the case page, themes alone where no
list is loaded, the age staff record, the submitted return's lock, bulk coding from the
worklist, and the reports' "not coded" figures leading to the list that codes them, whose
count is the report's figure."""

from __future__ import annotations

import re
from datetime import date

import pytest

from candour.audit.models import AuditEvent
from candour.coding.coding import code_case, save_theme
from candour.coding.models import CaseCoding, SubmittedReturn
from candour.coding.returns import mark_submitted
from candour.reporting.annual import annual_report
from candour.reporting.ko41 import ko41

from ..coding.conftest import codes, lists, on_behalf  # noqa: F401 (a fixture)
from ..conftest import at, make_case, sign_in

pytestmark = pytest.mark.usefixtures("frozen", "lists")


def text(response) -> str:
    page = response.content.decode()
    return page[page.index('id="maincontent"') :]


def coded_events(case) -> int:
    return AuditEvent.objects.filter(case=case, event="case_coded").count()


@pytest.fixture
def bobs(client, bob):
    return sign_in(client, bob)


def test_the_case_page_links_to_a_page_that_shows_and_saves_the_coding(bobs, bob, org_b):
    save_theme(org_b, by=bob, name="Repeat prescriptions", subject_keys={"KO41b": "prescribing"})
    case = on_behalf(org_b, bob, born=date(1950, 1, 1))
    url = f"/cases/{case.reference}/coding/"
    assert f'href="{url}"' in text(bobs.get(f"/cases/{case.reference}/"))
    page = text(bobs.get(url))
    assert "Code this case for reporting" in page
    assert "KO41b 2026-27" in page
    assert "76, from the patient&#39;s date of birth" in page
    assert "65 and over (worked out from the age)" in page
    assert "Someone acting on behalf of the patient (worked out from the relationship)" in page
    assert "Relative, as recorded with the case&#39;s people" in page
    assert 'name="subjects" type="checkbox" value="communications"' in page
    assert 'name="services"' not in page  # KO41b has no service area list
    assert "Counts under &#39;Prescribing&#39; in KO41b" in page
    assert 'name="patient_age"' not in page  # the date of birth gives it
    response = bobs.post(
        url,
        {
            "return_code": "KO41b",
            "subjects": ["communications", "appointments"],
            "professions": ["medical"],
            "themes": ["Repeat prescriptions"],
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/"
    assert codes(case) == {
        "subject": ["appointments", "communications", "prescribing"],
        "profession": ["medical"],
    }
    assert coded_events(case) == 1
    again = text(bobs.get(url))
    assert 'value="appointments" checked' in again


def test_a_wrong_code_is_shown_beside_its_field_and_nothing_is_saved(bobs, bob, org_b):
    case = make_case(org_b, bob)
    response = bobs.post(
        f"/cases/{case.reference}/coding/", {"return_code": "KO41b", "subjects": ["gardening"]}
    )
    assert response.status_code == 400
    page = text(response)
    assert "&#39;gardening&#39; not in the KO41b 2026-27 subject area list" in page
    assert 'href="#subjects"' in response.content.decode()
    assert not CaseCoding.objects.exists()


def test_a_past_year_is_coded_with_themes_only_and_the_page_says_so(bobs, bob, org_b):
    save_theme(org_b, by=bob, name="Phones")
    case = make_case(org_b, bob, received_at=at(date(2021, 5, 4)))
    url = f"/cases/{case.reference}/coding/"
    page = text(bobs.get(url))
    assert "No KO41b 2021-22 code lists are loaded, so this case is coded with themes only" in page
    assert 'name="subjects"' not in page
    assert bobs.post(url, {"return_code": "KO41b", "themes": ["Phones"]}).status_code == 302
    assert CaseCoding.objects.get(case=case).year == 2021


def test_staff_record_the_patients_age_when_there_is_no_date_of_birth(bobs, bob, org_b):
    case = make_case(org_b, bob)
    url = f"/cases/{case.reference}/coding/"
    assert 'name="patient_age"' in text(bobs.get(url))
    response = bobs.post(url, {"return_code": "KO41b", "subjects": ["other"], "patient_age": "x"})
    assert response.status_code == 400 and "Enter the age in whole years" in text(response)
    response = bobs.post(url, {"return_code": "KO41b", "subjects": ["other"], "patient_age": "9"})
    assert response.status_code == 302
    assert CaseCoding.objects.get(case=case).patient_age == 9
    page = text(bobs.get(url))
    assert "9, as recorded by staff" in page and "0 to 17 (worked out from the age)" in page
    assert 'name="patient_age" type="text" value="9"' in page or 'value="9"' in page


def test_a_commissioner_codes_with_themes_alone_and_may_add_a_theme(client, alice, org_a):
    sign_in(client, alice)
    case = make_case(org_a, alice)
    url = f"/cases/{case.reference}/coding/"
    page = text(client.get(url))
    assert "does not submit a KO41 return of its own" in page
    assert "Walsall Commissioning has no themes yet." in page
    response = client.post(url, {"return_code": "KO41a", "new_theme": "Continuing healthcare"})
    assert response.status_code == 302
    assert [ct.theme.name for ct in case.themes.all()] == ["Continuing healthcare"]
    assert codes(case) == {}


def test_a_submitted_return_locks_the_page(bobs, bob, org_b):
    mark_submitted(org_b, "KO41b", 2026, by=bob)
    case = make_case(org_b, bob)  # entered after the return was marked submitted
    url = f"/cases/{case.reference}/coding/"
    page = text(bobs.get(url))
    assert "The return is submitted" in page and "Save the coding" not in page
    response = bobs.post(url, {"return_code": "KO41b", "subjects": ["other"]})
    assert response.status_code == 400
    assert "marked submitted on 2 November 2026 by bob" in text(response)
    assert not CaseCoding.objects.exists()


def test_a_role_that_does_not_handle_cases_sees_the_coding_but_cannot_change_it(
    client, alice, ivan, org_a
):
    case = make_case(org_a, alice)
    sign_in(client, ivan)
    page = text(client.get(f"/cases/{case.reference}/coding/"))
    assert "Your role lets you see how this case is coded but not change it." in page
    assert "Save the coding" not in page
    response = client.post(f"/cases/{case.reference}/coding/", {"themes": ["X"]})
    assert response.status_code == 400
    assert "You cannot code cases for Walsall Commissioning." in text(response)


def test_another_organisations_case_is_not_found(client, alice, org_b, bob):
    case = make_case(org_b, bob)
    sign_in(client, alice)
    assert client.get(f"/cases/{case.reference}/coding/").status_code == 404
    assert (
        client.post(f"/cases/{case.reference}/coding/", {"subjects": ["other"]}).status_code == 404
    )


def test_cases_ticked_on_the_worklist_are_coded_one_event_each(bobs, bob, org_b):
    first, second, left = (make_case(org_b, bob) for _ in range(3))
    worklist = text(bobs.get("/"))
    assert 'form="pick-cases"' in worklist and "Code the selected cases" in worklist
    chosen = bobs.get("/coding/", {"case": [first.reference, second.reference], "next": "/"})
    assert chosen.status_code == 200
    assert f'value="{first.reference}" checked' in text(chosen)
    response = bobs.post(
        "/coding/",
        {"case": [first.reference, second.reference], "subjects": ["other"], "next": "/"},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert (coded_events(first), coded_events(second), coded_events(left)) == (1, 1, 0)
    assert codes(first) == codes(second) == {"subject": ["other"]}
    response = bobs.post("/coding/", {"case": [first.reference], "next": "https://evil.example/"})
    assert response.status_code == 400  # nothing to add; and the next page stays on site
    assert "evil.example" not in text(response)
    response = bobs.post("/coding/", {"subjects": ["other"]})
    assert response.status_code == 400
    assert 'href="#case"' in response.content.decode()
    assert "Choose at least one case to code" in text(response)


def uncoded_count(page: str) -> int:
    return int(re.search(r'<strong id="uncoded-count">([\d,]+)</strong>', page)[1].replace(",", ""))


def test_the_ko41b_not_coded_figure_leads_to_the_list_and_its_count_is_the_figure(bobs, bob, org_b):
    cases = [make_case(org_b, bob) for _ in range(4)]
    code_case(cases[0], by=bob, subjects=["other"])
    figure = (
        ko41(bob, org_b, "KO41b", "2026-27").tables["subject"].cell("not_coded", "New complaints")
    )
    assert figure.value == 3
    report = text(bobs.get("/reports/MMG/ko41b/2026-27/"))
    link = "/reports/MMG/ko41b/2026-27/uncoded/?table=subject"
    assert f'href="{link}"' in report
    page = text(bobs.get(link))
    assert uncoded_count(page) == figure.value
    assert page.count('name="case" type="checkbox"') == figure.value
    assert cases[0].reference not in page
    ticked = text(bobs.get(link + "&all=1"))
    assert ticked.count("checked>") >= figure.value
    response = bobs.post(
        "/coding/",
        {"case": [c.reference for c in cases[1:3]], "subjects": ["communications"], "next": link},
    )
    assert response.status_code == 302 and response["Location"] == link
    assert uncoded_count(text(bobs.get(link))) == 1
    assert (
        ko41(bob, org_b, "KO41b", "2026-27")
        .tables["subject"]
        .cell("not_coded", "New complaints")
        .value
        == 1
    )


def test_the_annual_reports_no_theme_figure_leads_to_the_list(client, alice, org_a):
    sign_in(client, alice)
    save_theme(org_a, by=alice, name="Communication")
    cases = [make_case(org_a, alice) for _ in range(3)]
    code_case(cases[0], by=alice, themes=["Communication"])
    figure = annual_report(alice, org_a, "2026-27").tables["themes"].row("none").cells[0]
    link = "/reports/WAL/annual/2026-27/uncoded/?table=themes"
    assert f'href="{link}"' in text(client.get("/reports/WAL/annual/2026-27/"))
    page = text(client.get(link))
    assert "Cases without a theme" in page
    assert uncoded_count(page) == figure.value == 2
    subjects = annual_report(alice, org_a, "2026-27").tables["subjects"].row("none").cells[0]
    assert uncoded_count(text(client.get(link.replace("themes", "subjects")))) == subjects.value
    assert client.get(link.replace("themes", "received")).status_code == 404


def test_a_manager_marks_the_ko41_return_submitted_and_withdraws_it(client, bobs, bob, org_b):
    url = "/reports/MMG/ko41b/2026-27/"
    assert "Mark this return as submitted" in text(bobs.get(url))
    response = bobs.post(url + "submission/", {"action": "submit"})
    assert response.status_code == 302
    assert SubmittedReturn.objects.filter(organisation=org_b, year=2026).exists()
    page = text(bobs.get(url))
    assert "Marked submitted on" in page and "Withdraw the submission" in page
    response = bobs.post(url + "submission/", {"action": "withdraw"}, follow=True)
    assert "is no longer marked submitted: its cases can be coded again" in text(response)
    assert not SubmittedReturn.objects.exists()
    assert list(
        AuditEvent.objects.filter(event__startswith="ko41_").values_list("event", flat=True)
    ) == ["ko41_return_submitted", "ko41_submission_withdrawn"]
    assert bobs.post("/reports/MMG/annual/2026-27/submission/").status_code == 404


def test_a_return_with_uncoded_cases_is_not_marked_submitted_and_says_what_to_code(
    bobs, bob, org_b
):
    """REGULATIONS.md §3.4: "For subject and staff group you tick boxes, then give values;
    totals ≥ new" — a return whose checks list cases without a code is refused, naming them."""
    case = make_case(org_b, bob)
    code_case(case, by=bob, subjects=["other"])
    url = "/reports/MMG/ko41b/2026-27/"
    response = bobs.post(url + "submission/", {"action": "submit"}, follow=True)
    page = text(response)
    assert (
        "The KO41b 2026-27 return of Minster Medical Group cannot be marked submitted while "
        "its checks list cases without a code: 1 new complaint(s) have no staff group code."
    ) in " ".join(page.split())
    assert "/reports/MMG/ko41b/2026-27/uncoded/?table=profession" in page
    assert not SubmittedReturn.objects.exists()
    assert not AuditEvent.objects.filter(event__startswith="ko41_").exists()
    code_case(case, by=bob, subjects=["other"], professions=["other"])
    bobs.post(url + "submission/", {"action": "submit"})
    assert SubmittedReturn.objects.filter(organisation=org_b, year=2026).exists()
