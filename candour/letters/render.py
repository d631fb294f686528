"""Rendering a letter to PDF (WeasyPrint, on the organisation's letterhead, printable A4) and
to an editable Word document (python-docx), from one stored version of its text (R27).

Rendering reads; it changes nothing, except that a download (`download`) is logged as an
access event (R38), as attachments are. The recipient block follows R8 for the reader: staff who
may not see a confidential complainant's identity get "Confidential" and no address.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from jinja2 import Environment, FileSystemLoader, select_autoescape

from candour.audit.chain import record
from candour.letters.compose import printed_heading
from candour.letters.merge import long_date, organisation_fields, recipient_fields
from candour.letters.models import Letter, LetterVersion
from candour.letters.signoff import chain_of, roles_held

LAYOUT = Path(__file__).parent / "layout"


@cache
def _layout() -> Environment:
    return Environment(
        loader=FileSystemLoader(LAYOUT), autoescape=select_autoescape(["html"]), trim_blocks=True
    )


@dataclass(frozen=True)
class Printed:
    """Everything a rendered letter shows, whichever the format."""

    organisation: dict
    recipient: dict
    reference: str
    date: str
    subject: str
    sections: list[dict]
    signer: dict
    signed: bool
    version: int
    medical_in_confidence: bool
    escalation_footer: str


def printed(letter: Letter, user, version: LetterVersion | None = None) -> Printed:
    version = version or letter.signed_version or letter.versions.order_by("-number").first()
    case = letter.case
    organisation = case.organisation
    chain = chain_of(letter)
    signed = version.signed_at is not None
    signer = {"name": "", "role": ""}
    if signed:
        step = chain.steps[chain.signing_index]
        held = sorted(roles_held(version.signed_by, case, step.roles))
        # The signer's full name and the role they signed in (never their username).
        signer = {"name": version.signed_by.get_full_name().strip(), "role": ", ".join(held)}
    sections = []
    for name, text in version.sections:
        if not text.strip():
            continue
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        sections.append(
            {
                "name": name,
                "heading": printed_heading(name),
                "paragraphs": paragraphs,
            }
        )
    policy = organisation.policy
    escalation = policy.escalation
    footer = ""
    if letter.kind == "final_response" and policy.rights_at(letter.stage):
        # 001 App D 7: the Ombudsman's contact details at the bottom of each letter, where the
        # policy gives the right at every stage; else at the last stage only (000 line 44).
        contact = "; ".join(
            c for c in (escalation.address, escalation.telephone, escalation.website) if c
        )
        footer = f"{escalation.name}: {contact}"
    return Printed(
        organisation=organisation_fields(organisation),
        recipient=recipient_fields(user, case, letter.recipient),
        reference=case.reference,
        date=long_date(timezone.localtime(version.signed_at or timezone.now()).date()),
        subject=version.subject,
        sections=sections,
        signer=signer,
        signed=signed,
        version=version.number,
        medical_in_confidence=any(o.medical_in_confidence for o in chain.dispatch),
        escalation_footer=footer,
    )


def html(letter: Letter, user, version: LetterVersion | None = None) -> str:
    p = printed(letter, user, version)
    return _layout().get_template("letter.html").render(**p.__dict__)


def pdf(letter: Letter, user, version: LetterVersion | None = None) -> bytes:
    from weasyprint import CSS, HTML

    return HTML(string=html(letter, user, version)).write_pdf(
        stylesheets=[CSS(filename=str(LAYOUT / "letter.css"))]
    )


def _contacts(organisation: dict) -> list[tuple[str, str]]:
    return [(k.capitalize(), organisation[k]) for k in ("telephone", "email") if organisation[k]]


def _lines(document, lines: list[str]):
    """One paragraph, a line break between lines: no empty line inside it (an address)."""
    paragraph = document.add_paragraph()
    for i, line in enumerate(x for x in lines if x.strip()):
        if i:
            paragraph.add_run().add_break()
        paragraph.add_run(line.strip())
    return paragraph


def docx(letter: Letter, user, version: LetterVersion | None = None) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = printed(letter, user, version)
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(11)
    if not p.signed:
        document.add_paragraph(f"Draft: not signed (version {p.version})")
    if p.medical_in_confidence:
        document.add_paragraph("MEDICAL IN CONFIDENCE").alignment = WD_ALIGN_PARAGRAPH.CENTER
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    head.add_run(p.organisation["name"]).bold = True
    contact = [
        *p.organisation["address"].splitlines(),
        *(f"{label}: {value}" for label, value in _contacts(p.organisation)),
    ]
    for line in contact:
        head.add_run().add_break()
        head.add_run(line)
    if p.recipient["name"]:
        _lines(document, [p.recipient["name"], *p.recipient["address"].splitlines()])
    _lines(document, [f"Our reference: {p.reference}", f"Date: {p.date}"])
    document.add_paragraph().add_run(p.subject).bold = True
    document.add_paragraph(f"Dear {p.recipient['salutation']},")
    for section in p.sections:
        if section["heading"]:
            document.add_heading(section["heading"], level=2)
        for paragraph in section["paragraphs"]:
            document.add_paragraph(paragraph)
    document.add_paragraph("Yours sincerely,")
    _lines(document, [p.signer["name"], p.signer["role"], p.organisation["name"]])
    if p.escalation_footer:
        document.add_paragraph(p.escalation_footer)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


FORMATS = {
    "pdf": ("application/pdf", pdf),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx),
}


def download(letter: Letter, *, by, format: str, version: LetterVersion | None = None):
    """The file to send (bytes, content type, file name), after logging the download as an
    access event (R38). The caller found the letter through a case the user may see
    (letters.access.get_letter)."""
    mime, make = FORMATS[format]
    version = version or letter.signed_version or letter.versions.order_by("-number").first()
    content = make(letter, by, version)
    # Only the event is written in a transaction (as cases.access.open_case): on SQLite a
    # transaction holds the database's write lock, and rendering need not.
    with transaction.atomic():
        record(
            "letter_downloaded",
            actor=by,
            case=letter.case,
            letter=letter.pk,
            version=version.number,
            format=format,
        )
    name = f"{letter.case.reference}-{letter.kind}-{letter.pk}-v{version.number}.{format}"
    return content, mime, name
