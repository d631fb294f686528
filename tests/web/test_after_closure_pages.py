"""The after-closure pages (R37): the survey recorded and answered from the case page and by the
complainant's link; case studies drafted, edited and approved, and read on the learning page.

Seed 003 §11.2: "Introduce a patient satisfaction/experience survey." Seed 004: "case
studies using anonymised individual complaints ... for the information of staff".
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from candour.cases import case_studies, surveys
from candour.cases.models import Status
from candour.cases.people import PersonDetails
from candour.organisations.setup import add_member

from ..cases.conftest import events, reach
from ..conftest import organisation, sign_in, user

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def closed(org_a, alice):
    return reach(
        org_a,
        alice,
        Status.CLOSED,
        description="Mr Bartholomew Quist of WS3 3ZZ was turned away on 12/10/2026.",
        complainant=PersonDetails(first_name="Bartholomew", last_name="Quist", postcode="WS3 3ZZ"),
    )


@pytest.fixture
def dana(org_a):
    u = user("dana")
    add_member(u, org_a, "Director")
    return u


def test_the_case_page_offers_the_survey_and_it_is_recorded(client, closed, alice):
    sign_in(client, alice)
    page = client.get(reverse("web:case", args=[closed.reference])).content.decode()
    assert "After closure" in page
    assert reverse("web:survey", args=[closed.reference]) in page
    form = client.get(reverse("web:survey", args=[closed.reference])).content.decode()
    assert "How satisfied were you with the way your complaint was handled?" in form
    refused = client.post(
        reverse("web:survey", args=[closed.reference]), {"channel": "post", "at": ""}
    )
    assert refused.status_code == 400
    assert "Was the survey sent, or offered and declined? Choose one." in refused.content.decode()
    done = client.post(
        reverse("web:survey", args=[closed.reference]), {"offer": "sent", "channel": "post"}
    )
    assert done.status_code == 302
    assert events(closed)[-1] == "survey_sent"
    answers = reverse("web:survey-answers", args=[closed.reference])
    assert answers in client.get(reverse("web:case", args=[closed.reference])).content.decode()
    wrong = client.post(answers, {"handling": "Fine"})
    assert wrong.status_code == 400
    assert "must be one of Very satisfied" in wrong.content.decode()
    assert client.post(answers, {"handling": "Satisfied", "comments": "Thanks"}).status_code == 302
    page = client.get(reverse("web:case", args=[closed.reference])).content.decode()
    assert "Answered on" in page and "Thanks" in page


def test_the_complainant_answers_through_the_link_without_signing_in(closed, alice):
    survey = surveys.send_survey(closed, by=alice, offer="sent", channel="online")
    public = Client()
    start = public.get(reverse("web:survey-answer"))
    assert start.status_code == 200
    unknown = public.post(reverse("web:survey-answer"), {"key": "AAAA-BBBB-CCCC-DDDD"})
    assert unknown.status_code == 400
    assert "there is no survey waiting for answers with that key" in unknown.content.decode()
    questions = public.post(reverse("web:survey-answer"), {"key": survey.link_key})
    assert "Walsall Commissioning would like to know" in questions.content.decode()
    assert closed.reference not in questions.content.decode()
    sent = public.post(
        reverse("web:survey-answer"),
        {"key": survey.link_key, "answering": "yes", "outcome": "Very satisfied"},
    )
    assert sent.status_code == 200
    assert "Your answers have been sent" in sent.content.decode()
    again = public.post(reverse("web:survey-answer"), {"key": survey.link_key})
    assert again.status_code == 400


def test_a_case_study_is_drafted_reviewed_and_approved_on_its_page(client, closed, alice, dana):
    sign_in(client, alice)
    drafted = client.post(reverse("web:draft-case-study", args=[closed.reference]))
    study_url = reverse("web:case-study", args=[closed.reference, 1])
    assert drafted.status_code == 302 and drafted.url == study_url
    page = client.get(study_url).content.decode()
    assert "Bartholomew" not in page and "WS3 3ZZ" not in page and "12/10/2026" not in page
    assert "October 2026" in page
    saved = client.post(
        study_url,
        {
            "do": "edit",
            "title": "Turned away at reception",
            "service": "",
            "what_happened": "A patient was turned away at reception in October 2026.",
            "what_we_found": "",
            "what_changed": "Reception now checks the list of urgent appointments.",
        },
    )
    assert saved.status_code == 302
    approver = Client()
    sign_in(approver, dana)
    approved = approver.post(study_url, {"do": "approve"})
    assert approved.status_code == 302
    assert events(closed)[-1] == "case_study_approved"


def test_the_learning_page_shows_approved_case_studies_outside_without_the_case(
    client, closed, org_a, alice, dana
):
    sibling = organisation("Sibling Practice", "SIB", "practice", parent=org_a)
    olga = user("olga")
    add_member(olga, sibling, "Customer Care Officer")
    draft = case_studies.draft_case_study(closed, by=alice)
    approved = case_studies.draft_case_study(closed, by=alice)
    case_studies.edit_case_study(approved, by=alice, title="Turned away at reception")
    case_studies.approve_case_study(approved, by=dana)
    sign_in(client, olga)
    page = client.get(reverse("web:case-studies")).content.decode()
    assert "Turned away at reception" in page
    assert closed.reference not in page
    everything = client.get(reverse("web:case-studies"), {"show": "all"}).content.decode()
    assert everything.count("nhsuk-card__heading") == 1
    read = client.get(reverse("web:learning-case-study", args=[approved.pk]))
    assert read.status_code == 200 and closed.reference not in read.content.decode()
    assert client.get(reverse("web:learning-case-study", args=[draft.pk])).status_code == 404
    assert client.get(reverse("web:case-study", args=[closed.reference, 2])).status_code == 404
    assert reverse("web:case-studies") in client.get(reverse("web:learning")).content.decode()
