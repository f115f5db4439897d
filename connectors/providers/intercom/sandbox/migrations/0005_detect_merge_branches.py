# Joins the caps and revoke branches' sandbox migrations (both 0004) in the detect
# branch; once the integrator renumbers them into one line, this file goes.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intercom_sandbox", "0004_caps_withheld_permissions"),
        ("intercom_sandbox", "0004_revoke_sandbox_wide_mode"),
    ]

    operations: list[migrations.operations.base.Operation] = []
