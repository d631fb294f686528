from django.db import migrations


def reseal_with_the_audit_key(apps, schema_editor):
    """Rehash a trail sealed before docs/adr/0014 (plain SHA-256, the actor's name not
    covered) under the audit key, once its old chain has been checked; an empty trail (a new
    installation, the tests) needs nothing, not even the key. A broken old chain stops the
    migration: it is resealed only when someone says so (`candour audit reseal
    --despite-problems`, which records what it found), and then this finds nothing to do."""
    from candour.audit.reseal import OldChainBroken, reseal

    try:
        reseal(apps.get_model("audit", "AuditEvent"), apps.get_model("audit", "AuditChainHead"))
    except OldChainBroken as broken:
        raise RuntimeError(
            f"{broken} — Candour will not reseal a broken audit trail without being told to. "
            "Find out what happened (the events named above), then run `candour audit reseal "
            "--despite-problems`, which records these problems in the trail, and migrate again."
        ) from None


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_fewer_indexes")]
    # Not reversible: an older Candour would find every resealed event changed.
    operations = [migrations.RunPython(reseal_with_the_audit_key, elidable=False)]
