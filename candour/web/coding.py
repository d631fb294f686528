"""Coding cases for reporting (R36): "Code this case" from the case page, and codes added to
many cases at once from the worklist or a report's list of cases without a code.

The pages parse the checkboxes, call candour.coding (`code_case`, `code_cases`) and render;
the rules (which lists, themes alone, the submitted return's lock) are the domain's.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from candour.cases.access import CaseNotFound, cases_for, get_case
from candour.cases.workflow import CaseError
from candour.coding import coding as domain
from candour.coding.models import Return
from candour.organisations.access import can
from candour.organisations.models import Capability
from candour.text import whole_number

FIELDS = ("subjects", "services", "professions")
TITLES = {
    "subjects": ("Subject areas", "What the complaint is about. Choose all that apply."),
    "services": ("Service areas", "Choose all that apply."),
    "professions": ("Professions or staff groups", "Whose care or conduct it is about."),
}


def _chosen(post) -> dict[str, list[str]]:
    return {name: post.getlist(name) for name in (*FIELDS, "themes")}


def _message(error: CaseError) -> str:
    field = getattr(error, "field", None)
    text = str(error)
    text = text.split(": ", 1)[1] if field and text.startswith(f"{field}: ") else text
    return text[:1].upper() + text[1:]


def _theme_items(offered: domain.Choices) -> list[tuple[str, str]]:
    labels = {c.key: c.label for c in offered.codes.get("subjects", [])}
    items = []
    for theme in offered.themes:
        subject = labels.get(theme.subject_keys.get(offered.return_code, ""))
        hint = f"Counts under '{subject}' in {offered.return_code}" if subject else ""
        items.append((theme.name, hint))
    return items


def case_coding(request, reference: str):
    """How the case is coded, and the form to code it (GET); code it (POST)."""
    try:
        case = get_case(request.user, reference)
    except CaseNotFound as error:
        raise Http404(str(error)) from None
    asked = request.POST.get("return_code") or request.GET.get("return") or None
    if asked not in (None, *Return.values):
        asked = None
    errors: dict[str, str] = {}
    values: dict | None = None
    age_text = ""
    may_code = domain.may_code(request.user, case.organisation_id)
    may_add_theme = can(request.user, Capability.ADMINISTER, case.organisation_id)
    if request.method == "POST":
        values = _chosen(request.POST)
        age_text = request.POST.get("patient_age", "").strip()
        new_theme = " ".join(request.POST.get("new_theme", "").split())
        age = domain.UNCHANGED
        if "patient_age" in request.POST:
            age = whole_number(age_text) if age_text else None
            if age_text and age is None:
                errors["patient_age"] = "Enter the age in whole years, like 42, or leave it empty"
        if not errors:
            try:
                if new_theme and may_add_theme:
                    theme = domain.ensure_theme(case.organisation, by=request.user, name=new_theme)
                    values["themes"].append(theme.name)
                domain.code_case(
                    case,
                    by=request.user,
                    return_code=asked,
                    patient_age=age,
                    **values,
                )
            except CaseError as error:
                field = getattr(error, "field", None) or "coding"
                if field == "name":
                    field = "new_theme"
                errors[field] = _message(error)
            else:
                messages.success(request, f"Coding of {case.reference} saved.")
                return redirect("web:case", reference=case.reference)
    state = domain.coding_of(case)
    offered = domain.choices(case, asked or state.return_code)
    if values is None:
        values = {name: state.keys(name) for name in FIELDS}
        values["themes"] = [t.name for t in state.themes]
        if state.age_source == "recorded":
            age_text = str(state.patient_age)
    return render(
        request,
        "web/coding/case.jinja",
        {
            "case": case,
            "state": state,
            "offered": offered,
            "values": values,
            "age_text": age_text,
            "code_lists": {
                name: [(c.key, c.label, "") for c in codes] for name, codes in offered.codes.items()
            },
            "theme_items": _theme_items(offered),
            "other_return": next(r for r in Return.values if r != offered.return_code),
            "may_code": may_code,
            "may_add_theme": may_add_theme,
            "titles": TITLES,
            "fields": FIELDS,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def bulk_coding(request):
    """The cases chosen on the worklist (GET ?case=...), and the codes to add to each (POST)."""
    source = request.POST if request.method == "POST" else request.GET
    references = list(dict.fromkeys(r.strip() for r in source.getlist("case") if r.strip()))
    back = _safe_next(request, "")
    errors: dict[str, str] = {}
    values = _chosen(request.POST) if request.method == "POST" else {}
    if request.method == "POST":
        try:
            done = domain.code_cases(request.user, references, **values)
        except CaseError as error:
            field = getattr(error, "field", None) or "subjects"
            errors["case" if field == "references" else field] = _message(error)
        else:
            if done.coded:
                n = len(done.coded)
                messages.success(request, f"Coded {n} case{'s' if n != 1 else ''}.")
            for refusal in done.refused:
                messages.error(request, f"{refusal.reference} was not coded: {refusal.message}")
            return redirect(back or "web:worklist")
    shown = list(
        cases_for(request.user)
        .filter(reference__in=references[: domain.MOST_AT_ONCE])
        .select_related("organisation")
        .order_by("received_at", "pk")
    )
    allowed = domain.may_code(request.user)
    if not shown and not errors and allowed:
        errors["case"] = "Choose at least one case on the worklist to code"
    context = {"ticked": set(references), "next": back, "errors": errors, "may_code": allowed}
    return render(
        request,
        "web/coding/bulk.jinja",
        {**bulk_form(shown, values), **context},
        status=400 if errors else 200 if allowed else 403,
    )


def bulk_form(cases, values: dict | None = None) -> dict:
    """What the bulk coding form shows for `cases` (here and on a report's list of cases
    without a code): the codes of their lists and their organisations' themes."""
    offered = domain.shared_choices(cases)
    return {
        "cases": cases,
        "offered": offered,
        "code_lists": {
            name: [(key, label, "") for key, label in codes]
            for name, codes in offered.codes.items()
        },
        "theme_items": [(name, "") for name in offered.themes],
        "values": values or {},
        "titles": TITLES,
        "fields": FIELDS,
    }
