"""The reference data's stamp (targets/stamp.py) also changes on every write to the regions and
sub-regions: which sub-regions a user may see, and their names, are kept with it too
(returns.selectors.visible_sub_regions). The same triggers as migration 0009's."""

from django.db import migrations

TABLES = ("authorities_region", "authorities_subregion")
OPERATIONS = ("insert", "update", "delete")
FUNCTION = "targets_new_reference_token"  # made by migration 0009 (PostgreSQL)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for operation in OPERATIONS:
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_stamp_{operation} AFTER {operation.upper()} "  # noqa: S608 - our own table names
                    f"ON {table} BEGIN UPDATE targets_referencestamp "
                    "SET token = lower(hex(randomblob(16))); END"
                )
        elif vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
        else:  # pragma: no cover - the product runs on these two
            raise NotImplementedError(f"No reference stamp triggers for {vendor}.")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for operation in OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_{operation}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0005_bind_existing_users"),
        ("targets", "0009_reference_stamp"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
