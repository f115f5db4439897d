# Joins the caps, refresh and revoke branches' migrations (all 0008) in the detect
# branch; once the integrator renumbers them into one line, this file goes.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0008_caps_capabilities"),
        ("connectors", "0008_refresh_due_at"),
        ("connectors", "0008_revoke_suspect_incidents"),
    ]

    operations: list[migrations.operations.base.Operation] = []
