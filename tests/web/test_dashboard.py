"""The dashboard page: charts with their numbers, only of the user's organisations."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from candour.organisations.setup import add_member, ensure_roles
from candour.reporting.dashboard import dashboard

from ..conftest import at, make_case, sign_in, user

pytestmark = pytest.mark.usefixtures("frozen")  # Monday 2 November 2026


def page(client, **params):
    return client.get(reverse("web:dashboard"), params)


def received_table(html: str) -> list[tuple[str, int]]:
    """(month, received) from the table beside the first chart."""
    section = html.split('id="received"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row" class="nhsuk-table__cell">([^<]+)</th><td[^>]*>(\d+)</td>', section
    )
    return [(m, int(n)) for m, n in rows]


def test_it_charts_the_last_twelve_complete_months_with_the_numbers_beside(client, org_a, alice):
    make_case(org_a, alice, received_at=at(date(2026, 10, 5)), service="Cardiology")
    make_case(org_a, alice, received_at=at(date(2026, 10, 20)), service="Cardiology")
    make_case(org_a, alice, received_at=at(date(2026, 9, 1)), service="Podiatry")
    make_case(org_a, alice, received_at=at(date(2026, 11, 2), 8))  # this month: not yet
    response = page(sign_in(client, alice))
    assert response.status_code == 200
    html = response.content.decode()
    rows = received_table(html)
    assert rows[0] == ("Nov 2025", 0)
    assert rows[-2:] == [("Sep 2026", 1), ("Oct 2026", 2)]
    assert len(rows) == 12
    assert "Sat 1 Nov 2025" in html and "Sat 31 Oct 2026" in html
    # every chart is an accessible inline SVG with no inline style for the CSP to refuse
    svgs = re.findall(r"<svg[^>]*candour-chart.*?</svg>", html, flags=re.S)
    assert len(svgs) == 7
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "style" not in svg
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "ids repeated across charts"
    assert "Cardiology" in html and "Podiatry" in html
    assert "XmR chart of complaints received each month" in html


def test_it_offers_the_last_twenty_four_months_and_refuses_another_period(client, org_a, alice):
    sign_in(client, alice)
    assert len(received_table(page(client, period="24").content.decode())) == 24
    html = page(client, period="7").content.decode()
    assert "Choose a period of the last 12 or the last 24 months" in html
    assert len(received_table(html)) == 12


def test_an_outsider_never_sees_another_organisations_figures(client, org_a, alice, org_b, bob):
    for day in (5, 6, 7):
        make_case(org_a, alice, received_at=at(date(2026, 10, day)), service="Secret ward")
    make_case(org_b, bob, received_at=at(date(2026, 10, 8)), service="Physiotherapy")
    html = page(sign_in(client, bob)).content.decode()
    assert received_table(html)[-1] == ("Oct 2026", 1)
    assert "Secret ward" not in html
    assert "Physiotherapy" in html
    assert sum(dashboard(bob).activity["received"]) == 1
    assert sum(dashboard(alice).activity["received"]) == 3


def test_a_region_sees_its_sites_and_a_site_not_its_region(client, region, site, rita, hugo):
    make_case(site, hugo, received_at=at(date(2026, 10, 5)))
    make_case(region, rita, received_at=at(date(2026, 10, 6)))
    assert received_table(page(sign_in(client, rita)).content.decode())[-1][1] == 2
    client.logout()
    assert received_table(page(sign_in(client, hugo)).content.decode())[-1][1] == 1


def test_a_user_who_may_not_see_cases_gets_no_figures(client, org_a, alice):
    make_case(org_a, alice, received_at=at(date(2026, 10, 5)))
    reception = user("rachel")
    ensure_roles(["Receptionist"])
    add_member(reception, org_a, "Receptionist")  # handles cases, may not see them
    response = page(sign_in(client, reception))
    assert response.status_code == 403
    assert "you have no role that includes reports" in response.content.decode()
    assert "candour-chart" not in response.content.decode()


def test_the_header_links_to_the_dashboard_and_learning(client, org_a, alice):
    html = page(sign_in(client, alice))
    text = html.content.decode()
    assert 'href="/dashboard/"' in text and 'href="/learning/"' in text


def test_cases_without_reports_at_the_chosen_organisation_show_none_of_its_figures(
    client, org_a, alice, org_b, bob
):
    # Nina governs Walsall (reports included) and answers Minster's calls (cases, no reports).
    nina = user("nina")
    ensure_roles(["Customer Care Officer"])
    add_member(nina, org_a, "Head of Corporate Governance")
    add_member(nina, org_b, "Customer Care Officer")
    make_case(org_a, alice, received_at=at(date(2026, 10, 5)), service="Walsall ward")
    make_case(org_b, bob, received_at=at(date(2026, 10, 6)), service="Minster surgery")
    sign_in(client, nina)
    html = page(client).content.decode()
    assert received_table(html)[-1] == ("Oct 2026", 1)
    assert "Walsall ward" in html and "Minster surgery" not in html
    # Working in Minster narrows the worklist to its cases, but the dashboard shows nothing.
    client.post(reverse("web:choose-organisation"), {"organisation": org_b.pk})
    response = page(client)
    assert response.status_code == 403
    html = response.content.decode()
    assert "your role there does not include its reports" in html
    assert "Minster surgery" not in html and "candour-chart" not in html
    # The API answers the same for the same organisation.
    from tests.api.conftest import Api

    assert Api(nina).get("/reports/dashboard", organisation="MMG").status_code == 403
    # Working in Walsall again shows its figures.
    client.post(reverse("web:choose-organisation"), {"organisation": org_a.pk})
    assert received_table(page(client).content.decode())[-1] == ("Oct 2026", 1)
