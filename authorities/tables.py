import django_tables2 as tables

from .models import Authority


class AuthorityTable(tables.Table):
    name = tables.Column(attrs={"th": {"scope": "col"}})
    short_name = tables.Column(verbose_name="Short name")
    kind = tables.Column()
    sub_region = tables.Column(verbose_name="Sub-region", order_by=("sub_region__order",))
    laa_area = tables.Column(verbose_name="LAA area")
    gss_code = tables.Column(verbose_name="GSS code")

    class Meta:
        model = Authority
        fields = ["name", "short_name", "kind", "sub_region", "laa_area", "gss_code"]
        attrs = {"class": "data-table"}
        empty_text = "No authority matches these filters."
