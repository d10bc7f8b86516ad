"""The region's reference data (fixtures/authorities.toml) and the name resolver.

The counts are the region's own (003 §4): 46 local authorities (5 county, 4 unitary, 36
district, the Peak District National Park) plus 5 fire and rescue authorities, in 5 SRPs and
9 LAAs. Every name the Board papers write for an authority must resolve to it.
"""

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from authorities.models import (
    Authority,
    AuthorityAlias,
    AuthorityKind,
    LAAArea,
    Region,
    SubRegion,
)
from authorities.reference import FixtureError, load_authorities
from authorities.resolve import AuthorityResolver, resolve_authority

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "authorities.toml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    return load_authorities(path=FIXTURE)


@pytest.fixture
def resolver(loaded):
    return AuthorityResolver()


def sub_region(slug: str) -> SubRegion:
    return SubRegion.objects.get(slug=slug)


# ---------------------------------------------------------------------------------------------
# Integrity after loading
# ---------------------------------------------------------------------------------------------


def test_one_region_and_five_sub_regions_in_order(loaded):
    assert list(Region.objects.values_list("slug", flat=True)) == ["east-midlands"]
    assert list(SubRegion.objects.order_by("order").values_list("slug", "name", "order")) == [
        ("derbyshire", "Derbyshire", 1),
        ("leicestershire-rutland", "Leicestershire/Rutland", 2),
        ("lincolnshire", "Lincolnshire", 3),
        ("northamptonshire", "Northamptonshire", 4),
        ("nottinghamshire", "Nottinghamshire", 5),
    ]


def test_46_local_authorities_by_kind_and_5_fire_authorities(loaded):
    kinds = Counter(Authority.objects.values_list("kind", flat=True))
    assert kinds == {
        AuthorityKind.COUNTY: 5,
        AuthorityKind.UNITARY: 4,
        AuthorityKind.DISTRICT: 36,
        AuthorityKind.NATIONAL_PARK: 1,
        AuthorityKind.FIRE_RESCUE: 5,
    }
    assert Authority.objects.exclude(kind=AuthorityKind.FIRE_RESCUE).count() == 46
    unitaries = Authority.objects.filter(kind=AuthorityKind.UNITARY)
    assert sorted(unitaries.values_list("slug", flat=True)) == [
        "derby-city",
        "leicester-city",
        "nottingham-city",
        "rutland",
    ]


def test_every_sub_region_has_one_county_and_one_fire_authority(loaded):
    for srp in SubRegion.objects.all():
        kinds = Counter(srp.authorities.values_list("kind", flat=True))
        assert kinds[AuthorityKind.COUNTY] == 1, srp
        assert kinds[AuthorityKind.FIRE_RESCUE] == 1, srp


@pytest.mark.parametrize(
    ("slug", "srp"),
    [
        ("rutland", "leicestershire-rutland"),
        ("derby-city", "derbyshire"),
        ("leicester-city", "leicestershire-rutland"),
        ("nottingham-city", "nottinghamshire"),
        ("peak-district-npa", "derbyshire"),
    ],
)
def test_unitaries_and_the_national_park_sit_in_their_srp(loaded, slug, srp):
    assert Authority.objects.get(slug=slug).sub_region.slug == srp


def test_nine_laas_each_led_by_a_county_or_unitary_of_its_own_srp(loaded):
    laas = LAAArea.objects.select_related("lead_authority", "sub_region")
    assert sorted(laa.name for laa in laas) == [
        "Derby",
        "Derbyshire",
        "Leicester",
        "Leicestershire",
        "Lincolnshire",
        "Northamptonshire",
        "Nottingham",
        "Nottinghamshire",
        "Rutland",
    ]
    for laa in laas:
        lead = laa.lead_authority
        assert lead is not None, laa
        assert lead.kind in {AuthorityKind.COUNTY, AuthorityKind.UNITARY}, laa
        assert lead.sub_region_id == laa.sub_region_id, laa
        assert lead.laa_area_id == laa.pk, laa
    leads = Authority.objects.filter(led_laa__isnull=False)
    assert leads.count() == 9
    assert set(leads.values_list("kind", flat=True)) == {"county", "unitary"}


def test_every_authority_has_its_srp_and_the_right_laa(loaded):
    for authority in Authority.objects.select_related("laa_area", "sub_region"):
        assert authority.sub_region_id is not None, authority
        assert authority.source, authority
        assert authority.gss_code == "", authority  # the papers give no GSS codes
        if authority.kind in {AuthorityKind.NATIONAL_PARK, AuthorityKind.FIRE_RESCUE}:
            assert authority.laa_area is None, authority
        else:
            assert authority.laa_area is not None, authority
            assert authority.laa_area.sub_region_id == authority.sub_region_id, authority
        if authority.kind == AuthorityKind.DISTRICT:
            county = authority.sub_region.authorities.get(kind=AuthorityKind.COUNTY)
            assert authority.laa_area_id == county.laa_area_id, authority


def test_districts_per_county(loaded):
    districts = Counter(
        Authority.objects.filter(kind=AuthorityKind.DISTRICT).values_list(
            "laa_area__slug", flat=True
        )
    )
    # 002, Appendix 3: 8 Derbyshire districts and 7 in each of the other counties.
    assert districts == {
        "derbyshire": 8,
        "leicestershire": 7,
        "lincolnshire": 7,
        "northamptonshire": 7,
        "nottinghamshire": 7,
    }


# ---------------------------------------------------------------------------------------------
# Every name the papers write for an authority resolves
# ---------------------------------------------------------------------------------------------

# 002, item 8, Derbyshire return: the row names of the CAA and RAG matrices.
DERBYSHIRE_MATRIX = {
    "Amber Valley BC": "amber-valley",
    "Bolsover DC": "bolsover",
    "Chesterfield BC": "chesterfield",
    "Derby City": "derby-city",
    "Derbyshire CC": "derbyshire",
    "Derbyshire Dales DC": "derbyshire-dales",
    "Erewash BC": "erewash",
    "High Peak BC": "high-peak",
    "North East DDC": "north-east-derbyshire",
    "South Derbyshire DC": "south-derbyshire",
    "Peak District NPA": "peak-district-npa",
    "Fire Service": "derbyshire-fire-and-rescue",
    # The notes under the matrix.
    "Derbyshire County Council": "derbyshire",
    "Peak District National Park Authority": "peak-district-npa",
}

# 002, item 8, Lincolnshire return: every authority row.
LINCOLNSHIRE_RETURN = {
    "Lincolnshire County Council": "lincolnshire",
    "Boston Borough Council": "boston",
    "East Lindsey District Council": "east-lindsey",
    "Lincoln City Council": "lincoln",
    "North Kesteven District Council": "north-kesteven",
    "South Holland District Council": "south-holland",
    "South Kesteven District Council": "south-kesteven",
    "West Lindsey District Council": "west-lindsey",
    "Lincolnshire Fire and Rescue": "lincolnshire-fire-and-rescue",
    "Lincolnshire Fire & Rescue": "lincolnshire-fire-and-rescue",
}

# 002, item 8: the names in the Leicestershire/Rutland "Current Status" column.
LEICESTERSHIRE_RUTLAND_RETURN = {
    "Leicester City": "leicester-city",
    "City": "leicester-city",
    "LFRS": "leicestershire-fire-and-rescue",
    "Leicestershire": "leicestershire",
    "Leicestershire County": "leicestershire",
    "Rutland": "rutland",
    "Melton": "melton",
}

# 002, item 8: the names in the Northamptonshire "Current Status" column.
NORTHAMPTONSHIRE_RETURN = {
    "Northamptonshire": "northamptonshire",
    "Corby": "corby",
    "NCC": "northamptonshire",
    "Northampton": "northampton",
    "Wellingborough": "wellingborough",
    "East northants": "east-northamptonshire",
    "Kettering": "kettering",
    "Daventry": "daventry",
    "South Northants": "south-northamptonshire",
}

# 002, Appendix 3 (Use of Resources scores): "Council" and "County area" columns.
APPENDIX_3 = [
    ("Amber Valley", "Derbyshire", "amber-valley"),
    ("Bolsover", "Derbyshire", "bolsover"),
    ("Chesterfield", "Derbyshire", "chesterfield"),
    ("Derby City UA", "Derbyshire", "derby-city"),
    ("Derbyshire", "Derbyshire", "derbyshire"),
    ("Derbyshire Dales", "Derbyshire", "derbyshire-dales"),
    ("Erewash", "Derbyshire", "erewash"),
    ("High Peak", "Derbyshire", "high-peak"),
    ("North East Derbyshire", "Derbyshire", "north-east-derbyshire"),
    ("South Derbyshire", "Derbyshire", "south-derbyshire"),
    ("Blaby", "Leicestershire", "blaby"),
    ("Charnwood", "Leicestershire", "charnwood"),
    ("Harborough", "Leicestershire", "harborough"),
    ("Hinckley & Bosworth", "Leicestershire", "hinckley-and-bosworth"),
    ("Leicester City UA", "Leicestershire", "leicester-city"),
    ("Leicestershire", "Leicestershire", "leicestershire"),
    ("Melton", "Leicestershire", "melton"),
    ("North West Leicestershire", "Leicestershire", "north-west-leicestershire"),
    ("Oadby & Wigston", "Leicestershire", "oadby-and-wigston"),
    ("Rutland UA", "Leicestershire", "rutland"),
    ("Boston", "Lincolnshire", "boston"),
    ("East Lindsey", "Lincolnshire", "east-lindsey"),
    ("Lincoln", "Lincolnshire", "lincoln"),
    ("Lincolnshire", "Lincolnshire", "lincolnshire"),
    ("North Kesteven", "Lincolnshire", "north-kesteven"),
    ("South Holland", "Lincolnshire", "south-holland"),
    ("South Kesteven", "Lincolnshire", "south-kesteven"),
    ("West Lindsey", "Lincolnshire", "west-lindsey"),
    ("Corby", "Northamptonshire", "corby"),
    ("Daventry", "Northamptonshire", "daventry"),
    ("East Northamptonshire", "Northamptonshire", "east-northamptonshire"),
    ("Kettering", "Northamptonshire", "kettering"),
    ("Northampton", "Northamptonshire", "northampton"),
    ("Northamptonshire", "Northamptonshire", "northamptonshire"),
    ("South Northamptonshire", "Northamptonshire", "south-northamptonshire"),
    ("Wellingborough", "Northamptonshire", "wellingborough"),
    ("Ashfield", "Nottinghamshire", "ashfield"),
    ("Bassetlaw", "Nottinghamshire", "bassetlaw"),
    ("Broxtowe", "Nottinghamshire", "broxtowe"),
    ("City of Nottingham UA", "Nottinghamshire", "nottingham-city"),
    ("Gedling", "Nottinghamshire", "gedling"),
    ("Mansfield", "Nottinghamshire", "mansfield"),
    ("Newark & Sherwood", "Nottinghamshire", "newark-and-sherwood"),
    ("Nottinghamshire CC", "Nottinghamshire", "nottinghamshire"),
    ("Rushcliffe", "Nottinghamshire", "rushcliffe"),
    ("Peak National Park", "", "peak-district-npa"),
    ("Fire Authority", "Derbyshire", "derbyshire-fire-and-rescue"),
    ("Fire Authority", "Leicestershire CC", "leicestershire-fire-and-rescue"),
    ("Fire Authority", "Lincolnshire", "lincolnshire-fire-and-rescue"),
    ("Fire Authority", "Northamptonshire", "northamptonshire-fire-and-rescue"),
    ("Fire Authority", "Nottinghamshire", "nottinghamshire-fire-and-rescue"),
]
# Appendix 3's "County area" column, as the SRP it names.
COUNTY_AREA = {
    "Derbyshire": "derbyshire",
    "Leicestershire": "leicestershire-rutland",
    "Leicestershire CC": "leicestershire-rutland",
    "Lincolnshire": "lincolnshire",
    "Northamptonshire": "northamptonshire",
    "Nottinghamshire": "nottinghamshire",
}


@pytest.mark.parametrize(
    ("srp", "names"),
    [
        ("derbyshire", DERBYSHIRE_MATRIX),
        ("lincolnshire", LINCOLNSHIRE_RETURN),
        ("leicestershire-rutland", LEICESTERSHIRE_RUTLAND_RETURN),
        ("northamptonshire", NORTHAMPTONSHIRE_RETURN),
    ],
)
def test_every_name_in_a_return_resolves_within_its_sub_region(resolver, srp, names):
    scope = sub_region(srp)
    resolved = {name: resolver.resolve(name, sub_region=scope) for name in names}
    assert {name: a.slug if a else None for name, a in resolved.items()} == names
    assert all(authority.sub_region_id == scope.pk for authority in resolved.values())


def test_every_appendix_3_row_resolves(resolver):
    assert len(APPENDIX_3) == 51
    wrong = {}
    for name, county_area, slug in APPENDIX_3:
        scope = sub_region(COUNTY_AREA[county_area]) if county_area else None
        found = resolver.resolve(name, sub_region=scope)
        if found is None or found.slug != slug:
            wrong[(name, county_area)] = found and found.slug
    assert wrong == {}
    assert len({slug for *_, slug in APPENDIX_3}) == 51  # every authority, once


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Derbyshire CC", "derbyshire"),
        ("Amber Valley BC", "amber-valley"),
        ("North East DDC", "north-east-derbyshire"),
        ("Derby City", "derby-city"),
        ("Derby City UA", "derby-city"),
        ("Peak District NPA", "peak-district-npa"),
        ("Peak National Park", "peak-district-npa"),
        ("Leicester City", "leicester-city"),
        ("Leicester City UA", "leicester-city"),
        ("City of Nottingham UA", "nottingham-city"),
        ("Nottinghamshire CC", "nottinghamshire"),
        ("Lincolnshire County Council", "lincolnshire"),
        ("Boston Borough Council", "boston"),
        ("Lincolnshire Fire and Rescue", "lincolnshire-fire-and-rescue"),
        ("East northants", "east-northamptonshire"),
        ("South Northants", "south-northamptonshire"),
        ("hinckley and bosworth", "hinckley-and-bosworth"),
        ("HINCKLEY & BOSWORTH.", "hinckley-and-bosworth"),
        ("oadby-and-wigston", "oadby-and-wigston"),  # a slug
        ("Borough Council of Wellingborough", "wellingborough"),
    ],
)
def test_global_names_resolve_without_a_sub_region(resolver, name, slug):
    found = resolver.resolve(name)
    assert found is not None
    assert found.slug == slug


@pytest.mark.parametrize(
    ("name", "srp"),
    [
        ("NCC", None),  # Northamptonshire CC only inside the Northamptonshire return
        ("NCC", "nottinghamshire"),
        ("LFRS", None),
        ("LFRS", "lincolnshire"),  # would be Lincolnshire Fire and Rescue Service: not recorded
        ("Fire Service", None),
        ("Fire Service", "lincolnshire"),
        ("Fire Authority", None),
        ("City", None),
        ("Lincolnshire Police", "lincolnshire"),  # partner bodies are not authorities
        ("NHS Lincolnshire", "lincolnshire"),
        ("Northants", None),
        ("", None),
    ],
)
def test_scoped_and_unknown_names_do_not_resolve_out_of_context(resolver, name, srp):
    assert resolver.resolve(name, sub_region=sub_region(srp) if srp else None) is None


def test_the_lincolnshire_laa_total_row_is_the_laa_not_an_authority_alias(resolver):
    lincolnshire = sub_region("lincolnshire")
    assert not AuthorityAlias.objects.filter(normalised="lincolnshire").exists()
    laa = resolver.laa_area("LINCOLNSHIRE", sub_region=lincolnshire)
    assert laa is not None
    assert laa.slug == "lincolnshire"
    assert laa.lead_authority.slug == "lincolnshire"


def test_an_ambiguous_name_resolves_to_none_unless_the_sub_region_narrows_it(loaded):
    # Short names are not unique in the model: two authorities answering to one name.
    Authority.objects.filter(slug="gedling").update(short_name="Boston")
    resolver = AuthorityResolver()
    assert resolver.resolve("Boston") is None
    assert [a.slug for a in resolver.candidates("Boston")] == ["boston", "gedling"]
    assert resolver.resolve("Boston", sub_region=sub_region("lincolnshire")).slug == "boston"
    assert resolver.resolve("Boston", sub_region=sub_region("nottinghamshire")).slug == "gedling"
    assert resolver.resolve("Boston", sub_region=sub_region("derbyshire")) is None


def test_a_scoped_alias_wins_within_its_sub_region(loaded):
    northamptonshire = sub_region("northamptonshire")
    AuthorityAlias.objects.create(
        authority=Authority.objects.get(slug="corby"),
        alias="Boston",
        normalised="boston",
        sub_region=northamptonshire,
    )
    resolver = AuthorityResolver()
    assert resolver.resolve("Boston", sub_region=northamptonshire).slug == "corby"
    assert resolver.resolve("Boston").slug == "boston"


def test_the_resolver_loads_once_and_resolves_in_memory(loaded, django_assert_num_queries):
    with django_assert_num_queries(2):
        resolver = AuthorityResolver()
    derbyshire = sub_region("derbyshire")
    with django_assert_num_queries(0):
        for _ in range(200):
            for name in DERBYSHIRE_MATRIX:
                assert resolver.resolve(name, sub_region=derbyshire) is not None


def test_resolve_authority_helper(loaded):
    assert resolve_authority("North East DDC").slug == "north-east-derbyshire"
    assert resolve_authority("NCC", sub_region=sub_region("northamptonshire")).slug == (
        "northamptonshire"
    )
    assert resolve_authority("NCC") is None


# ---------------------------------------------------------------------------------------------
# Idempotent loading and malformed fixtures
# ---------------------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Region, SubRegion, LAAArea, Authority, AuthorityAlias)
    }


def test_loading_twice_changes_nothing(loaded):
    first = counts()
    assert loaded.created == loaded.total
    assert loaded.updated == 0
    assert first == {
        "Region": 1,
        "SubRegion": 5,
        "LAAArea": 9,
        "Authority": 51,
        "AuthorityAlias": loaded.totals_by_kind()["aliases"],
    }

    again = load_authorities(path=FIXTURE)

    assert counts() == first
    assert (again.created, again.updated, again.unchanged) == (0, 0, loaded.total)
    assert "0 created, 0 updated" in str(again)


def test_a_changed_row_updates_the_record_with_the_same_slug(loaded, tmp_path):
    changed = tmp_path / "authorities.toml"
    changed.write_text(
        FIXTURE.read_text(encoding="utf-8").replace(
            'name = "Blaby District Council"', 'name = "Blaby District Council (renamed)"'
        ),
        encoding="utf-8",
    )
    summary = load_authorities(path=changed)
    assert (summary.created, summary.updated) == (0, 1)
    assert Authority.objects.get(slug="blaby").name == "Blaby District Council (renamed)"


def test_a_load_never_clears_a_gss_code_an_administrator_entered(loaded):
    Authority.objects.filter(slug="amber-valley").update(gss_code="E07000032")
    summary = load_authorities(path=FIXTURE)
    assert summary.updated == 0
    assert Authority.objects.get(slug="amber-valley").gss_code == "E07000032"


def malformed(tmp_path: Path, old: str, new: str) -> Path:
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "authorities.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "row", "field"),
    [
        (
            'slug = "melton"\nname = "Melton Borough Council"\nshort_name = "Melton"\n'
            'kind = "district"',
            'slug = "melton"\nname = "Melton Borough Council"\nshort_name = "Melton"\n'
            'kind = "borough"',
            "authorities #",
            "kind",
        ),
        (
            'slug = "melton"\nname = "Melton Borough Council"',
            'slug = "melton"\nnaem = "Melton Borough Council"',
            "authorities #",
            "naem",
        ),
        (
            'lead_authority = "rutland"',
            'lead_authority = "oakham"',
            "laa_areas #5 (slug 'rutland')",
            "lead_authority",
        ),
        (
            'alias = "North East DDC"',
            'alias = "North East Derbyshire"',
            "aliases #1 (alias 'North East Derbyshire')",
            "alias",
        ),
    ],
)
def test_a_malformed_row_names_file_row_and_field_and_writes_nothing(
    tmp_path, old, new, row, field
):
    path = malformed(tmp_path, old, new)
    with pytest.raises(FixtureError) as caught:
        load_authorities(path=path)
    error = caught.value
    assert error.path == path
    assert row in error.row
    assert error.field == field
    assert f"authorities.toml: {error.row}: field '{field}'" in str(error)
    assert counts() == dict.fromkeys(counts(), 0)


def test_the_row_is_named_by_its_position_and_slug(tmp_path):
    district = 'kind = "district"\nsub_region = "leicestershire-rutland"'
    path = malformed(tmp_path, district, district.replace("district", "x"))
    # Blaby is the first Leicestershire district, the 16th authority in the file.
    with pytest.raises(FixtureError, match=r"authorities #16 \(slug 'blaby'\): field 'kind'"):
        load_authorities(path=path)


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "authorities.toml"
    path.write_text("[region\nslug = 1\n", encoding="utf-8")
    with pytest.raises(FixtureError, match=r"authorities.toml: \(file\).*not TOML"):
        load_authorities(path=path)


def test_the_command_reports_a_malformed_fixture_and_writes_nothing(tmp_path):
    fixtures = tmp_path / "fixtures"
    (fixtures / "target_sets").mkdir(parents=True)
    source = FIXTURE.parent
    for name in ("measures.toml", "target_sets/strategy-2008.toml"):
        (fixtures / name).write_text((source / name).read_text(encoding="utf-8"), "utf-8")
    (fixtures / "authorities.toml").write_text(
        malformed(tmp_path, "order = 3", 'order = "three"').read_text(encoding="utf-8"), "utf-8"
    )
    with pytest.raises(
        CommandError, match=r"sub_regions #3 \(slug 'lincolnshire'\): field 'order'"
    ):
        call_command("load_reference_data", fixtures_dir=fixtures)
    assert counts() == dict.fromkeys(counts(), 0)
