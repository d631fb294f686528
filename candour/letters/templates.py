"""Letter templates per organisation (R24): Jinja in a sandbox, versioned, loaded from the
preset files in presets/ and editable by an administrator.

A template is a subject and an ordered list of named sections. The final response's sections
are those of seed 001 Appendix D (compose.FINAL_SECTIONS). Text in [[double brackets]] is
guidance for the writer: a letter cannot be signed while any is left (compose.problems).
"""

from __future__ import annotations

import tomllib
from contextlib import suppress
from functools import cache
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from candour.audit.chain import record
from candour.cases.intake import InvalidCase
from candour.cases.workflow import PermissionDenied
from candour.config.transactions import atomic
from candour.letters.merge import sample_fields
from candour.letters.models import LetterTemplate
from candour.organisations.access import can
from candour.organisations.models import Capability, Organisation, OrganisationPolicy
from candour.organisations.policy import LetterKind

PRESET_DIR = Path(__file__).parent / "presets"


class TemplateProblem(InvalidCase):
    """A template or a letter's text was refused. The message names the section and what to
    fix."""


@cache
def environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )


def preset_file(preset: str, kind: str) -> Path:
    """presets/<preset>/<kind>.toml if the preset has its own wording, else presets/common."""
    own = PRESET_DIR / preset / f"{kind}.toml"
    return own if own.exists() else PRESET_DIR / "common" / f"{kind}.toml"


def read_preset(preset: str, kind: str) -> tuple[str, list[list[str]], str]:
    path = preset_file(preset, kind)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    sections = [[name, text.strip("\n")] for name, text in data["sections"].items()]
    return data["subject"], sections, str(path.relative_to(PRESET_DIR))


def render_text(source: str, fields: dict, *, name: str = "template") -> str:
    try:
        return environment().from_string(source).render(fields).strip()
    except TemplateError as error:
        raise TemplateProblem(name, f"{error}") from None


def render_sections(template: LetterTemplate, fields: dict) -> tuple[str, list[list[str]]]:
    subject = render_text(template.subject, fields, name="subject")
    return subject, [
        [n, render_text(src, fields, name=f"sections.{n}")] for n, src in template.sections
    ]


def check(kind: str, subject: str, sections: list) -> list[list[str]]:
    """Refuse a template that would fail when used: unknown merge fields, syntax errors,
    missing sections of the final response."""
    from candour.letters.compose import FINAL_SECTIONS

    if kind not in LetterKind.__members__.values():
        raise TemplateProblem("kind", f"must be one of {', '.join(k.value for k in LetterKind)}")
    if not subject.strip():
        raise TemplateProblem("subject", "is empty; give the letter a subject line")
    clean = []
    for i, pair in enumerate(sections):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise TemplateProblem(f"sections.{i}", "must be a [name, text] pair")
        name, source = str(pair[0]).strip(), str(pair[1])
        if not name:
            raise TemplateProblem(f"sections.{i}", "has no name")
        clean.append([name, source])
    if not clean:
        raise TemplateProblem("sections", "a letter needs at least one section")
    names = [n for n, _ in clean]
    if kind == LetterKind.FINAL_RESPONSE:
        missing = [n for n in FINAL_SECTIONS if n not in names]
        if missing:
            raise TemplateProblem(
                "sections",
                f"the final response needs the sections of Appendix D; add {', '.join(missing)}",
            )
    sample = sample_fields()
    render_text(subject, sample, name="subject")
    for name, source in clean:
        render_text(source, sample, name=f"sections.{name}")
    return clean


# Administrators saving the same kind of letter at the same moment: each try that is refused
# means another's version landed, so this many tries is this many people at once.
SAVE_ATTEMPTS = 10


def _next_version(organisation: Organisation, kind: str) -> int:
    last = LetterTemplate.objects.filter(organisation=organisation, kind=kind).aggregate(
        n=Max("version")
    )["n"]
    return (last or 0) + 1


@atomic
def save_template(
    organisation: Organisation, kind: str, *, subject: str, sections: list, by
) -> LetterTemplate:
    """An administrator's change to a template: a new version; earlier letters keep theirs."""
    if not can(by, Capability.ADMINISTER, organisation.pk):
        raise PermissionDenied(
            f"You do not have a role at {organisation.name} that allows changing its letters "
            "(administer the organisation and its policy)."
        )
    clean = check(kind, subject, sections)
    for attempt in range(SAVE_ATTEMPTS):
        version = _next_version(organisation, kind)
        try:
            with transaction.atomic():
                template = LetterTemplate.objects.create(
                    organisation=organisation,
                    kind=kind,
                    version=version,
                    subject=subject.strip(),
                    sections=clean,
                    created_at=timezone.now(),
                    created_by=by,
                )
            break
        except IntegrityError:
            # Another administrator saved this kind at the same moment and took the number
            # (PostgreSQL made this insert wait for their commit): this change becomes the
            # version after theirs. Each refusal means someone else's version landed.
            if attempt == SAVE_ATTEMPTS - 1:
                raise
    record(
        "letter_template_saved",
        actor=by,
        organisation_id=organisation.pk,
        kind=kind,
        version=version,
    )
    return template


@atomic
def install_presets(organisation: Organisation, preset: str, *, by=None) -> list[LetterTemplate]:
    """Give an organisation the preset wording for every letter it has no template for."""
    made = []
    for kind in LetterKind:
        if LetterTemplate.objects.filter(organisation=organisation, kind=kind).exists():
            continue
        subject, sections, source = read_preset(preset, kind)
        check(kind, subject, sections)
        made.append(
            LetterTemplate.objects.create(
                organisation=organisation,
                kind=kind,
                version=1,
                subject=subject,
                sections=sections,
                source=source,
                created_at=timezone.now(),
                created_by=by,
            )
        )
    if made:
        record(
            "letter_templates_installed",
            actor=by,
            organisation_id=organisation.pk,
            preset=preset,
            kinds=[t.kind for t in made],
        )
    return made


def current_template(organisation: Organisation, kind: str) -> LetterTemplate:
    """The newest version at the organisation or the nearest organisation above it that has
    one. With none anywhere, the preset's wording is installed where the policy is held."""
    ids = [int(i) for i in organisation.path.strip("/").split("/") if i]
    rows = list(
        LetterTemplate.objects.filter(organisation_id__in=ids, kind=kind).values_list(
            "organisation_id", "version", "pk"
        )
    )
    if rows:
        depth = {org_id: i for i, org_id in enumerate(ids)}
        return LetterTemplate.objects.get(pk=max(rows, key=lambda r: (depth[r[0]], r[1]))[2])
    holder = (
        OrganisationPolicy.objects.filter(organisation_id__in=ids)
        .select_related("organisation")
        .order_by("-organisation__path")
        .first()
    )
    if holder is None:
        raise TemplateProblem("kind", f"{organisation.name} has no policy and so no letters")
    # Another letter at the same organisation may install the preset wording first (PostgreSQL
    # lets this insert wait for theirs, then refuses it): theirs is then the wording to use.
    with suppress(IntegrityError):
        install_presets(holder.organisation, holder.preset or "nhs-england-2009")
    return (
        LetterTemplate.objects.filter(organisation=holder.organisation, kind=kind)
        .order_by("-version")
        .first()
    )
