"""Programme managers keep their own sub-region's returns; the Director signs them off."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER, grant

READ = ["view_return", "view_returnline", "view_transition"]
READ_ALL = [*READ, "view_all_returns"]


def grant_return_permissions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        app_label="returns",
        grants={
            PROGRAMME_MANAGER: [
                *READ,
                "add_return",
                "change_return",
                "add_returnline",
                "change_returnline",
                "submit_return",
            ],
            BOARD_MEMBER: READ_ALL,
            DIRECTOR: [*READ_ALL, "approve_return"],
            ADMINISTRATOR: READ_ALL,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0001_initial"),
        ("targets", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_return_permissions, migrations.RunPython.noop)]
