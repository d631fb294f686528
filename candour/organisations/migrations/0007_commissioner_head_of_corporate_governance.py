"""The commissioner's preset names its complaints manager as seed 002 does (§6.4, line 141:
"Head of Corporate Governance: will be the designated Complaints Manager for WCCG"), not
"Head of Governance".

Organisations store a copy of their policy. Those started from the preset (by its preset
name, or by the policy's name, which an edit through setup.set_policy keeps while it clears
the preset name) and still naming the installed default "Head of Governance" have it renamed
in their roles, sign-off chains and step labels; a policy whose administrator named the role
otherwise keeps it, and one that the rename would make invalid is left as it was.

Roles are shared by name. The role "Head of Governance" is renamed (its members keep it,
and with it their capabilities) when no policy still names it; if one does, a role "Head of
Corporate Governance" with the same capabilities is made and the members of the renamed
organisations (and of those below them that take their policy) move to it."""

from django.db import migrations

PRESET = "commissioner"
NAME = "Commissioner (Walsall CCG)"
OLD = "Head of Governance"
NEW = "Head of Corporate Governance"


def swap(value, old: str, new: str):
    """`value` with the role `old` named `new`: in every list of roles, and in the labels."""
    if isinstance(value, dict):
        return {
            k: v.replace(old, new) if k == "label" and isinstance(v, str) else swap(v, old, new)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [new if v == old else swap(v, old, new) for v in value]
    return value


def _run(apps, old: str, new: str) -> None:
    from candour.organisations.policy import PolicyError, validate_policy

    OrganisationPolicy = apps.get_model("organisations", "OrganisationPolicy")
    Role = apps.get_model("organisations", "Role")
    Membership = apps.get_model("organisations", "Membership")
    renamed, others = [], []
    for record in OrganisationPolicy.objects.select_related("organisation"):
        data = record.data
        if not isinstance(data, dict):
            continue
        ours = record.preset == PRESET or data.get("name") == NAME
        if not ours or old not in (data.get("roles") or []) or new in data.get("roles"):
            others.append(record)
            continue
        changed = swap(data, old, new)
        try:
            validate_policy(changed)
        except PolicyError:
            others.append(record)
            continue
        record.data = changed
        record.save(update_fields=["data"])
        renamed.append(record.organisation)
    role = Role.objects.filter(name=old).first()
    if role is None or not renamed:
        return
    still_named = any(old in str(r.data) for r in others)
    target = Role.objects.filter(name=new).first()
    if target is None and not still_named:
        role.name = new
        role.save(update_fields=["name"])
        return
    if target is None:
        target = Role.objects.create(name=new, capabilities=list(role.capabilities))
    own_policy = {r.organisation.path for r in others}
    for membership in Membership.objects.filter(role=role).select_related("organisation"):
        path = membership.organisation.path
        governed = max((o.path for o in renamed if path.startswith(o.path)), key=len, default="")
        nearer = max((p for p in own_policy if path.startswith(p)), key=len, default="")
        if not governed or len(nearer) > len(governed):
            continue  # an organisation whose own policy (or a nearer one) keeps the old name
        if Membership.objects.filter(
            user_id=membership.user_id, organisation_id=membership.organisation_id, role=target
        ).exists():
            membership.delete()
        else:
            membership.role = target
            membership.save(update_fields=["role"])


def forwards(apps, schema_editor):
    _run(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _run(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("organisations", "0006_local_stages_and_escalation_rights")]
    operations = [migrations.RunPython(forwards, backwards)]
