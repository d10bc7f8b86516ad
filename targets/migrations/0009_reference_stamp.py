"""The reference data's stamp (targets/stamp.py): one row, and the triggers that give its token
a new random value on every write to the tables of target sets, themes, measures, levels and
targets, whoever writes (a service, the admin, ``QuerySet.update()``, SQL by hand)."""

from django.db import migrations, models

TABLES = (
    "targets_targetset",
    "targets_theme",
    "targets_measure",
    "targets_measurelevel",
    "targets_target",
)
OPERATIONS = ("insert", "update", "delete")
FUNCTION = "targets_new_reference_token"


def create_triggers(apps, schema_editor):
    ReferenceStamp = apps.get_model("targets", "ReferenceStamp")
    ReferenceStamp.objects.update_or_create(pk=1, defaults={"token": "initial"})
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_stamp_{operation} AFTER {operation.upper()} "  # noqa: S608 - our own table names
                    f"ON {table} BEGIN UPDATE targets_referencestamp "
                    "SET token = lower(hex(randomblob(16))); END"
                )
    elif vendor == "postgresql":
        schema_editor.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608 - our own names
            "UPDATE targets_referencestamp SET token = md5(random()::text || "
            "clock_timestamp()::text); RETURN NULL; END $$"
        )
        for table in TABLES:
            # Once per statement: a bulk insert of a thousand levels changes the token once.
            schema_editor.execute(
                f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    else:  # pragma: no cover - the product runs on these two
        raise NotImplementedError(f"No reference stamp triggers for {vendor}.")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            for operation in OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_{operation}")
    elif vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0008_target_set_region"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "reference data stamp",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
