"""Administrators read the sign-in records of django-axes and unlock a locked-out sign-in (by
deleting its access attempt)."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, grant


def grant_signin_records(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        app_label="axes",
        grants={
            ADMINISTRATOR: [
                "view_accessattempt",
                "delete_accessattempt",
                "view_accesslog",
                "view_accessfailurelog",
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0002_roles"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(grant_signin_records, migrations.RunPython.noop)]
