"""Overall.marks: the counted R, A, G and Achieved lines by authority, kept with each stored
overall rating for the comparison of two quarters. Existing rows are filled here from the
stored lines, as the services fill new ones (targets.rating.moves.line_marks): a counted line
whose standing rating is R, A, G or Achieved, in the returns the row rests on (every return
for the basis "all", approved ones only for "approved")."""

from collections import defaultdict

from django.db import migrations, models

MOVABLE = ("R", "A", "G", "ACH")


def fill_marks(apps, schema_editor):
    Overall = apps.get_model("returns", "Overall")
    ReturnLine = apps.get_model("returns", "ReturnLine")
    # (set, year, quarter, target, sub-region, region, approved?) → {authority id: rating}
    found: dict[tuple, dict[str, str]] = defaultdict(dict)
    lines = ReturnLine.objects.filter(counted=True, effective_rating__in=MOVABLE).values_list(
        "return_obj__target_set_id",
        "return_obj__year",
        "return_obj__quarter",
        "target_id",
        "return_obj__sub_region_id",
        "return_obj__sub_region__region_id",
        "return_obj__status",
        "authority_id",
        "effective_rating",
    )
    for set_id, year, quarter, target_id, sub_region, region, status, authority, rating in lines:
        key = (set_id, year, quarter, target_id)
        found[(*key, sub_region, None, status == "approved")][str(authority)] = rating
        found[(*key, None, region, status == "approved")][str(authority)] = rating

    def marks_of(row) -> dict[str, str]:
        key = (row.target_set_id, row.year, row.quarter, row.target_id)
        place = (row.sub_region_id, None) if row.sub_region_id else (None, row.region_id)
        marks = dict(found.get((*key, *place, True), {}))
        if row.basis == "all":
            marks.update(found.get((*key, *place, False), {}))
        return marks

    changed = []
    for row in Overall.objects.all().iterator(chunk_size=2000):
        row.marks = marks_of(row)
        if row.marks:
            changed.append(row)
    Overall.objects.bulk_update(changed, ["marks"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0011_overall_levels"),
    ]

    operations = [
        migrations.AddField(
            model_name="overall",
            name="marks",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill_marks, migrations.RunPython.noop),
    ]
