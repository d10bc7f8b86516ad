"""The four roles as groups, with their permissions on this app and on users."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, ALL_ROLES, grant

MODELS = ["region", "subregion", "laaarea", "authority", "authorityalias", "membership"]
VIEW = [f"view_{m}" for m in MODELS]
MANAGE = [f"{action}_{m}" for m in MODELS for action in ("add", "change", "delete", "view")]


def create_roles(apps, schema_editor):
    grants = dict.fromkeys(ALL_ROLES, VIEW)
    grants[ADMINISTRATOR] = MANAGE
    grant(apps, schema_editor, app_label="authorities", grants=grants)
    grant(
        apps,
        schema_editor,
        app_label="auth",
        grants={
            ADMINISTRATOR: [
                "add_user",
                "change_user",
                "view_user",
                "view_group",
                "change_group",
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
