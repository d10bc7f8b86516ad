"""The returns and ratings API: who may read and write what, the write path, and the shapes."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from authorities.models import AuthorityKind
from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from returns import services
from returns.deadlines import set_deadline
from returns.models import LineState, Return, ReturnLine, ReturnStatus, Transition
from returns.periods import Quarter
from targets.models import MeasureKind
from tests.factories import (
    AuthorityAliasFactory,
    AuthorityFactory,
    MeasureFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    ThemeFactory,
    make_user,
    ordinal_measure,
)

ANONYMOUS = "anonymous"
NO_ROLE = "no role"
ROLES = [PROGRAMME_MANAGER, BOARD_MEMBER, DIRECTOR, ADMINISTRATOR]
Q3 = Quarter(2009, 3)
PERIOD = "2009/10 Q3"


class World:
    """Two sub-regions, each with a draft return for the stretch targets in 2009/10 Q3."""

    def __init__(self):
        system = services.system_actor()
        self.derbyshire = SubRegionFactory(slug="derbyshire", name="Derbyshire", order=1)
        self.lincolnshire = SubRegionFactory(slug="lincolnshire", name="Lincolnshire", order=2)
        self.amber_valley = AuthorityFactory(
            sub_region=self.derbyshire,
            slug="amber-valley",
            name="Amber Valley Borough Council",
            short_name="Amber Valley",
        )
        AuthorityAliasFactory(authority=self.amber_valley, alias="Amber Valley BC")
        self.derbyshire_cc = AuthorityFactory(
            sub_region=self.derbyshire,
            slug="derbyshire-cc",
            name="Derbyshire County Council",
            short_name="Derbyshire",
            kind=AuthorityKind.COUNTY,
        )
        self.boston = AuthorityFactory(
            sub_region=self.lincolnshire,
            slug="boston",
            name="Boston Borough Council",
            short_name="Boston",
        )
        self.target_set = TargetSetFactory(slug="stretch-targets", title="12 stretch targets")
        theme = ThemeFactory(target_set=self.target_set, name="Stretch targets")
        self.use_of_resources = TargetFactory(
            target_set=self.target_set,
            theme=theme,
            number="5",
            priority=5,
            code="st-use-of-resources-level-3",
            measure=ordinal_measure(slug="use-of-resources"),
            threshold=Decimal(3),
        )
        self.invoices = TargetFactory(
            target_set=self.target_set,
            theme=theme,
            number="8",
            priority=8,
            code="st-invoices-paid-30-days",
            measure=MeasureFactory(kind=MeasureKind.PERCENTAGE, unit="%"),
            threshold=Decimal(95),
        )
        self.efficiency = TargetFactory(
            target_set=self.target_set,
            theme=theme,
            number="7",
            priority=7,
            code="st-annual-efficiency-target",
            indicator="NI 179",
            measure=MeasureFactory(kind=MeasureKind.MONEY, unit="£k"),
            threshold=None,
            applies_to=["district"],
        )
        self.returns = {}
        for sub_region in (self.derbyshire, self.lincolnshire):
            self.returns[sub_region.slug], _ = services.open_return(
                sub_region=sub_region, target_set=self.target_set, quarter=Q3, actor=system
            )
        self.pm = make_user(PROGRAMME_MANAGER, sub_region=self.derbyshire, username="pm")

    def return_of(self, slug: str) -> Return:
        return Return.objects.get(pk=self.returns[slug].pk)


@pytest.fixture
def world(db):
    return World()


def sign_in(client, who, world):
    if who == ANONYMOUS:
        return client
    if who == PROGRAMME_MANAGER:
        client.force_login(world.pm)
    else:
        client.force_login(make_user(None if who == NO_ROLE else who))
    return client


def patch(client, return_obj, body):
    return client.patch(
        reverse("api-return-lines", args=[return_obj.pk]),
        data=json.dumps(body),
        content_type="application/json",
    )


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


# ---------------------------------------------------------------------------------------------
# Who may read and write
# ---------------------------------------------------------------------------------------------

READS = [
    ("api-returns", False, {}),
    ("api-return", True, {}),
    ("api-ratings", False, {"target_set": "stretch-targets", "period": PERIOD}),
]


@pytest.mark.parametrize("who", [ANONYMOUS, NO_ROLE, *ROLES])
@pytest.mark.parametrize(("name", "with_id", "params"), READS)
def test_read_access(client, world, who, name, with_id, params):
    args = [world.returns["derbyshire"].pk] if with_id else []

    response = sign_in(client, who, world).get(reverse(name, args=args), params)

    assert response.status_code == {ANONYMOUS: 401, NO_ROLE: 403}.get(who, 200)
    if who == ANONYMOUS:
        assert response["WWW-Authenticate"] == "Token"


def test_a_token_reads_the_ratings(client, world):
    token = Token.objects.create(user=make_user(BOARD_MEMBER))

    response = client.get(
        reverse("api-ratings"),
        {"target_set": "stretch-targets", "period": PERIOD},
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert response.status_code == 200


@pytest.mark.parametrize("who", [BOARD_MEMBER, DIRECTOR, ADMINISTRATOR])
def test_readers_see_every_sub_region(client, world, who):
    client = sign_in(client, who, world)

    listed = client.get(reverse("api-returns")).json()
    ratings = client.get(
        reverse("api-ratings"), {"target_set": "stretch-targets", "period": PERIOD}
    ).json()

    assert [row["sub_region"] for row in listed["results"]] == ["derbyshire", "lincolnshire"]
    assert [s["sub_region"] for s in ratings["targets"][0]["sub_regions"]] == [
        "Derbyshire",
        "Lincolnshire",
    ]
    assert not ratings["targets"][0]["region"]["explanation"].startswith("Over ")


def test_a_programme_manager_sees_only_their_sub_region(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    lincolnshire = world.returns["lincolnshire"]

    listed = client.get(reverse("api-returns")).json()
    ratings = client.get(
        reverse("api-ratings"), {"target_set": "stretch-targets", "period": PERIOD}
    ).json()

    assert [row["sub_region"] for row in listed["results"]] == ["derbyshire"]
    assert client.get(reverse("api-return", args=[lincolnshire.pk])).status_code == 404
    for target in ratings["targets"]:
        assert [s["sub_region"] for s in target["sub_regions"]] == ["Derbyshire"]
        assert target["region"]["explanation"].startswith("Over Derbyshire only")
    authorities = {
        a["authority"]
        for t in ratings["targets"]
        for s in t["sub_regions"]
        for a in s["authorities"]
    }
    assert "Boston Borough Council" not in authorities


def test_a_programme_manager_cannot_write_another_sub_regions_return(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    lincolnshire = world.return_of("lincolnshire")
    line = {"authority": "boston", "target": "8", "actual": "99"}

    changed = patch(client, lincolnshire, {"version": lincolnshire.version, "lines": [line]})
    submitted = post(client, reverse("api-return-submit", args=[lincolnshire.pk]), {})
    opened = post(
        client,
        reverse("api-returns"),
        {"sub_region": "lincolnshire", "target_set": "stretch-targets", "period": "2009/10 Q4"},
    )

    assert (changed.status_code, submitted.status_code, opened.status_code) == (404, 404, 403)
    assert world.return_of("lincolnshire").version == lincolnshire.version
    assert world.return_of("lincolnshire").status == ReturnStatus.DRAFT
    assert not Return.objects.filter(quarter=4).exists()


@pytest.mark.parametrize("who", [ANONYMOUS, NO_ROLE, BOARD_MEMBER, DIRECTOR, ADMINISTRATOR])
def test_only_the_programme_manager_writes(client, world, who):
    client = sign_in(client, who, world)
    derbyshire = world.return_of("derbyshire")
    line = {"authority": "amber-valley", "target": "8", "actual": "99"}

    responses = [
        patch(client, derbyshire, {"version": derbyshire.version, "lines": [line]}),
        post(client, reverse("api-return-submit", args=[derbyshire.pk]), {}),
        post(
            client,
            reverse("api-returns"),
            {"sub_region": "derbyshire", "target_set": "stretch-targets", "period": "2009/10 Q4"},
        ),
    ]

    expected = 401 if who == ANONYMOUS else 403
    assert [response.status_code for response in responses] == [expected] * 3
    assert world.return_of("derbyshire").version == derbyshire.version


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def test_a_programme_manager_opens_their_return_once(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    body = {"sub_region": "derbyshire", "target_set": "stretch-targets", "period": "2009/10 Q4"}

    first = post(client, reverse("api-returns"), body)
    second = post(client, reverse("api-returns"), body)

    assert (first.status_code, second.status_code) == (201, 200)
    created = first.json()
    assert created["period"] == "2009/10 Q4"
    assert created["status"] == "draft"
    assert {line["authority"] for line in created["lines"]} == {"amber-valley", "derbyshire-cc"}
    assert second.json()["id"] == created["id"]
    transition = Transition.objects.get(return_obj_id=created["id"])
    assert transition.actor == world.pm


def test_patching_lines_records_history_with_the_api_channel_and_the_user(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    derbyshire = world.return_of("derbyshire")

    response = patch(
        client,
        derbyshire,
        {
            "version": derbyshire.version,
            "lines": [
                {
                    "authority": "Amber Valley BC",
                    "target": "8",
                    "actual": "92.79%",
                    "date_of_data": "2009-03-31",
                    "comment": "Includes disputed invoices.",
                },
                {
                    "authority": "amber-valley",
                    "target": "st-use-of-resources-level-3",
                    "actual": "Performing adequately (2)",
                    "manual_rating": "R",
                    "manual_reason": "Derbyshire return, December 2009 (seed 002, item 8)",
                },
            ],
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == derbyshire.version + 1
    assert (body["changed"], body["unchanged"]) == (2, 0)
    lines = {line["target"]: line for line in body["lines"]}
    assert lines["8"]["actual"] == "92.79"
    # The return gave no target value, so none is shown as the return's: the rule uses the
    # target's threshold.
    assert lines["8"]["target_value"] is None
    assert lines["8"]["state"] == "value"
    assert lines["8"]["status"] == "worse"
    assert lines["8"]["computed_rating"] == "A"
    assert lines["8"]["manual_rating"] is None
    assert lines["5"]["actual"] == "2"
    # The rule rates level 2 against level 3 Amber: the hand rating is kept beside it, and
    # the rule's rating is the one that counts.
    assert (lines["5"]["manual_rating"], lines["5"]["effective_rating"]) == ("R", "A")
    assert lines["5"]["updated_by"] == "pm"

    line = ReturnLine.objects.get(
        return_obj=derbyshire, authority=world.amber_valley, target=world.invoices
    )
    assert line.actual == Decimal("92.79")
    assert str(line.date_of_data) == "2009-03-31"
    latest = line.history.order_by("-history_id").first()
    assert latest.history_change_reason == "api"
    assert latest.history_user == world.pm
    assert latest.actual == Decimal("92.79")


def test_sending_the_same_values_again_changes_nothing(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    line = {"authority": "amber-valley", "target": "8", "actual": 97.5}
    first = patch(client, world.return_of("derbyshire"), {"version": 1, "lines": [line]})
    history = ReturnLine.history.count()

    again = patch(client, world.return_of("derbyshire"), {"version": 2, "lines": [line]})

    assert first.status_code == again.status_code == 200
    assert (again.json()["changed"], again.json()["unchanged"], again.json()["version"]) == (
        0,
        1,
        2,
    )
    assert ReturnLine.history.count() == history


def test_a_stale_version_is_refused_with_the_lines_changed_meanwhile(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    derbyshire = world.return_of("derbyshire")
    seen = derbyshire.version  # what the client read before someone else saved
    services.update_lines(
        return_obj=world.return_of("derbyshire"),
        changes={(world.derbyshire_cc.pk, world.invoices.pk): {"comment": "Changed meanwhile"}},
        actor=world.pm,
        channel="web",
    )

    response = patch(
        client,
        derbyshire,
        {
            "version": seen,
            "lines": [{"authority": "amber-valley", "target": "8", "actual": "99"}],
        },
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale"
    assert body["version"] == seen + 1
    assert [(line["authority"], line["comment"]) for line in body["changed"]] == [
        ("derbyshire-cc", "Changed meanwhile")
    ]
    line = ReturnLine.objects.get(
        return_obj=derbyshire, authority=world.amber_valley, target=world.invoices
    )
    assert line.actual is None


def test_a_submitted_return_is_locked(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    derbyshire = world.return_of("derbyshire")

    submitted = post(client, reverse("api-return-submit", args=[derbyshire.pk]), {"comment": "Q3"})
    again = post(client, reverse("api-return-submit", args=[derbyshire.pk]), {})
    current = world.return_of("derbyshire")
    changed = patch(
        client,
        current,
        {
            "version": current.version,
            "lines": [{"authority": "amber-valley", "target": "8", "actual": "99"}],
        },
    )

    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["transitions"][-1]["actor"] == "pm"
    assert again.status_code == 409
    assert again.json()["code"] == "step_refused"
    assert changed.status_code == 409
    assert changed.json() == {
        "code": "locked",
        "detail": changed.json()["detail"],
        "status": "submitted",
    }
    assert "submitted" in changed.json()["detail"]


def test_bad_lines_are_reported_one_by_one_and_nothing_is_saved(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    derbyshire = world.return_of("derbyshire")

    response = patch(
        client,
        derbyshire,
        {
            "version": derbyshire.version,
            "lines": [
                {"authority": "Nowhere DC", "target": "8", "actual": "99"},
                {"authority": "boston", "target": "8", "actual": "99"},
                {"authority": "amber-valley", "target": "8", "actual": "104%"},
                {"authority": "derbyshire-cc", "target": "7", "actual": "1,038"},
                {"authority": "amber-valley", "target": "99"},
                {"authority": "amber-valley", "target": "5", "actual": "3"},
            ],
        },
    )

    assert response.status_code == 400
    body = response.json()
    errors = {entry["index"]: entry["errors"] for entry in body["lines"]}
    # Index 3 (a county line for a district target) is not an error: it is kept outside scope.
    assert set(errors) == {0, 1, 2, 4}
    assert "not an authority we know" in errors[0]["authority"][0]
    assert "not to Derbyshire" in errors[1]["authority"][0]
    assert "over 100%" in errors[2]["actual"][0]
    assert 'No target "99"' in errors[4]["target"][0]
    assert world.return_of("derbyshire").version == derbyshire.version


def test_a_line_outside_the_targets_scope_is_kept_and_not_counted(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    derbyshire = world.return_of("derbyshire")

    response = patch(
        client,
        derbyshire,
        {
            "version": derbyshire.version,
            "lines": [{"authority": "derbyshire-cc", "target": "7", "actual": "1,038"}],
        },
    )

    assert response.status_code == 200, response.content
    line = next(
        line
        for line in response.json()["lines"]
        if (line["authority"], line["target"]) == ("derbyshire-cc", "7")
    )
    assert (line["actual"], line["scope"], line["counted"]) == ("1038", "outside", False)


def test_a_manual_rating_without_reason_is_refused_by_the_service(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    derbyshire = world.return_of("derbyshire")

    response = patch(
        client,
        derbyshire,
        {
            "version": derbyshire.version,
            "lines": [
                {"authority": "amber-valley", "target": "8", "actual": "99"},
                {"authority": "amber-valley", "target": "5", "manual_rating": "G"},
            ],
        },
    )

    assert response.status_code == 400
    (entry,) = response.json()["lines"]
    assert (entry["index"], entry["authority"], entry["target"]) == (1, "amber-valley", "5")
    assert "reason" in entry["errors"]["manual_reason"][0]
    assert world.return_of("derbyshire").version == derbyshire.version


@pytest.mark.parametrize(
    "body",
    [
        {"lines": [{"authority": "amber-valley", "target": "8"}]},
        {"version": 1, "lines": []},
        {"version": 1, "lines": [{"authority": "amber-valley"}]},
        {"version": 1, "lines": [{"authority": "amber-valley", "target": "8", "state": "maybe"}]},
    ],
)
def test_a_malformed_body_is_400(client, world, body):
    client = sign_in(client, PROGRAMME_MANAGER, world)

    response = patch(client, world.return_of("derbyshire"), body)

    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_state_without_value_clears_the_value(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)
    line = {"authority": "amber-valley", "target": "8"}
    patch(client, world.return_of("derbyshire"), {"version": 1, "lines": [{**line, "actual": 99}]})

    response = patch(
        client, world.return_of("derbyshire"), {"version": 2, "lines": [{**line, "actual": None}]}
    )

    (result,) = response.json()["lines"]
    assert (result["state"], result["actual"], result["computed_rating"]) == (
        LineState.AWAITING,
        None,
        "GREY",
    )


# ---------------------------------------------------------------------------------------------
# Lists and ratings
# ---------------------------------------------------------------------------------------------


def test_returns_filter_by_target_set_period_and_sub_region(client, world):
    client = sign_in(client, DIRECTOR, world)
    other = TargetSetFactory(slug="strategy-2008")
    services.open_return(
        sub_region=world.derbyshire,
        target_set=other,
        quarter=Quarter(2009, 2),
        actor=services.system_actor(),
    )

    def slugs(params):
        body = client.get(reverse("api-returns"), params).json()
        return [(row["sub_region"], row["target_set"], row["period"]) for row in body["results"]]

    assert len(slugs({})) == 3
    assert slugs({"period": "2009/10 Q2"}) == [("derbyshire", "strategy-2008", "2009/10 Q2")]
    assert slugs({"target_set": "stretch-targets", "sub_region": "lincolnshire"}) == [
        ("lincolnshire", "stretch-targets", PERIOD)
    ]


def test_returns_say_their_deadline_and_whether_they_are_overdue(client, world):
    """Issue 11: overdue returns are marked wherever returns are listed, the API's list too."""
    director = make_user(DIRECTOR)
    set_deadline(quarter=Quarter(2009, 3), target_set=None, due=date(2010, 1, 15), actor=director)
    services.submit_return(
        return_obj=Return.objects.get(sub_region=world.derbyshire), actor=world.pm
    )
    client = sign_in(client, DIRECTOR, world)

    body = client.get(reverse("api-returns")).json()

    facts = {row["sub_region"]: (row["deadline"], row["overdue"]) for row in body["results"]}
    # Lincolnshire's is a draft long after 15 January 2010: overdue; Derbyshire's is submitted
    # (late, so not on time).
    assert facts == {"derbyshire": ("2010-01-15", False), "lincolnshire": ("2010-01-15", True)}
    assert {row["submitted_on_time"] for row in body["results"]} == {None, False}
    with CaptureQueriesContext(connection) as queries:
        detail = client.get(reverse("api-return", args=[body["results"][0]["id"]])).json()
    assert (detail["deadline"], detail["overdue"]) in facts.values()
    # A single return's deadline is read once for both of its fields.
    assert sum('"returns_deadline"' in query["sql"] for query in queries.captured_queries) == 1


@pytest.mark.parametrize(
    ("params", "field", "status"),
    [
        ({"period": "Q3 2009"}, "period", 400),
        ({"target_set": "no pe"}, "target_set", 400),
        ({"sub_region": ""}, "sub_region", 400),
        # Well formed, naming nothing: 404, naming what there is (issue 12, schemathesis).
        ({"target_set": "nope"}, "target_set", 404),
        ({"sub_region": "nope"}, "sub_region", 404),
    ],
)
def test_returns_bad_filters_are_400_and_unknown_names_404(client, world, params, field, status):
    response = sign_in(client, BOARD_MEMBER, world).get(reverse("api-returns"), params)

    assert response.status_code == status
    assert list(response.json()["errors"]) == [field]
    assert response.json()["detail"]


def test_the_return_detail_has_its_lines_and_trail(client, world):
    client = sign_in(client, BOARD_MEMBER, world)
    derbyshire = world.returns["derbyshire"]

    body = client.get(reverse("api-return", args=[derbyshire.pk])).json()

    assert body["sub_region"] == "derbyshire"
    assert body["period"] == PERIOD
    assert {(line["authority"], line["target"]) for line in body["lines"]} == {
        ("amber-valley", "5"),
        ("amber-valley", "7"),
        ("amber-valley", "8"),
        ("derbyshire-cc", "5"),
        ("derbyshire-cc", "8"),
    }
    assert body["transitions"][0]["to_status"] == "draft"


def test_the_ratings_document_has_exactly_the_documented_shape(client, world):
    system = services.system_actor()
    services.update_lines(
        return_obj=world.return_of("derbyshire"),
        changes={
            (world.amber_valley.pk, world.invoices.pk): {
                "state": LineState.VALUE,
                "actual": Decimal("92.79"),
            },
            (world.amber_valley.pk, world.use_of_resources.pk): {
                "manual_rating": "R",
                "manual_reason": "Derbyshire return",
            },
        },
        actor=system,
        channel="test",
    )
    services.update_lines(
        return_obj=world.return_of("lincolnshire"),
        changes={
            (world.boston.pk, world.efficiency.pk): {
                "state": LineState.VALUE,
                "actual": Decimal("503"),
                "target_value": Decimal("913"),
            }
        },
        actor=system,
        channel="test",
    )

    board = sign_in(client, BOARD_MEMBER, world)
    query = {"target_set": "stretch-targets", "period": "2009/10 Q3"}
    signed_off_only = board.get(reverse("api-ratings"), query).json()
    response = board.get(reverse("api-ratings"), {**query, "basis": "all"})

    # A Board member reads signed-off returns unless they ask for all of them: these are drafts.
    assert signed_off_only["basis"] == "approved"
    assert {t["region"]["rating"] for t in signed_off_only["targets"]} == {"GREY"}
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["target_set", "period", "basis", "targets"]
    assert body["basis"] == "all"
    assert (body["target_set"], body["period"]) == ("stretch-targets", "2009/10 Q3")
    assert [t["number"] for t in body["targets"]] == ["5", "7", "8"]
    for target in body["targets"]:
        assert list(target) == ["number", "code", "indicator", "region", "sub_regions"]
        assert list(target["region"]) == ["rating", "explanation", "relevant", "known"]
        for sub_region in target["sub_regions"]:
            assert list(sub_region) == [
                "sub_region",
                "return_status",
                "rating",
                "explanation",
                "reported",
                "reported_reason",
                "differs",
                "authorities",
            ]
            for authority in sub_region["authorities"]:
                assert list(authority) == [
                    "authority",
                    "actual",
                    "target_value",
                    "state",
                    "status",
                    "computed",
                    "manual",
                    "effective",
                    "counted",
                    "scope",
                ]
    by_number = {t["number"]: t for t in body["targets"]}
    efficiency = by_number["7"]
    assert (efficiency["code"], efficiency["indicator"]) == (
        "st-annual-efficiency-target",
        "NI 179",
    )
    assert by_number["8"]["indicator"] is None
    assert efficiency["region"]["rating"] == "R"
    derbyshire, lincolnshire = efficiency["sub_regions"]
    assert (derbyshire["sub_region"], derbyshire["rating"]) == ("Derbyshire", "GREY")
    assert lincolnshire["authorities"] == [
        {
            "authority": "Boston Borough Council",
            "actual": "503",
            "target_value": "913",
            "state": "value",
            "status": "worse",
            "computed": "R",
            "manual": None,
            "effective": "R",
            "counted": True,
            "scope": "in",
        }
    ]
    invoices = by_number["8"]["sub_regions"][0]
    assert invoices["rating"] == "A"
    amber_valley = next(a for a in invoices["authorities"] if a["authority"].startswith("Amber"))
    assert amber_valley == {
        "authority": "Amber Valley Borough Council",
        "actual": "92.79",
        "target_value": None,
        "state": "value",
        "status": "worse",
        "computed": "A",
        "manual": None,
        "effective": "A",
        "counted": True,
        "scope": "in",
    }
    use_of_resources = by_number["5"]["sub_regions"][0]["authorities"]
    assert [(a["computed"], a["manual"], a["effective"]) for a in use_of_resources] == [
        ("GREY", None, "GREY"),  # Derbyshire County Council (county first), awaiting data
        ("GREY", "R", "R"),  # Amber Valley, rated by hand
    ]
    assert by_number["5"]["region"]["rating"] == "R"


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"target_set", "period"}),
        ({"target_set": "stretch-targets"}, {"period"}),
        ({"target_set": "stretch-targets", "period": "2009 Q3"}, {"period"}),
        ({"target_set": "stretch-targets", "period": "2009/11 Q3"}, {"period"}),
        ({"target_set": "no pe", "period": PERIOD}, {"target_set"}),
    ],
)
def test_ratings_need_a_known_target_set_and_a_quarter(client, world, params, fields):
    response = sign_in(client, BOARD_MEMBER, world).get(reverse("api-ratings"), params)

    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == fields
    assert body["detail"]


def test_ratings_of_an_unknown_target_set_are_404_naming_the_sets(client, world):
    response = sign_in(client, BOARD_MEMBER, world).get(
        reverse("api-ratings"), {"target_set": "nope", "period": PERIOD}
    )

    assert response.status_code == 404
    assert response.json()["errors"]["target_set"][0].startswith('No target set "nope"')


def test_the_openapi_document_lists_the_returns_and_ratings_endpoints(client, db):
    client.force_login(make_user(None))  # the document needs sign-in (issue 12)
    document = json.loads(client.get("/api/v1/openapi.json").content)

    for path in (
        "/api/v1/returns/",
        "/api/v1/returns/{id}/",
        "/api/v1/returns/{id}/lines/",
        "/api/v1/returns/{id}/submit/",
        "/api/v1/ratings/",
    ):
        assert path in document["paths"]
    assert set(document["paths"]["/api/v1/returns/"]) >= {"get", "post"}
    assert "patch" in document["paths"]["/api/v1/returns/{id}/lines/"]
    assert document["components"]["schemas"]["Rating"]["enum"] == [
        "R",
        "A",
        "G",
        "ACH",
        "NYD",
        "GREY",
        "NA",
    ]
    ratings = document["components"]["schemas"]["AuthorityRating"]["properties"]
    assert ratings["actual"]["type"] == "string"
    assert ratings["actual"]["format"] == "decimal"
    # Issue 8: each authority line says whether it counts and its scope; each sub-region's
    # overall rating carries its own rating beside the computed one.
    schemas = document["components"]["schemas"]
    assert ratings["counted"]["type"] == "boolean"
    assert schemas["LineScope"]["enum"] == ["in", "outside", "not_applicable"]
    sub_region = schemas["SubRegionRating"]["properties"]
    assert sub_region["reported"]["nullable"] is True
    assert sub_region["reported_reason"]["type"] == "string"
    assert "disagree" in sub_region["differs"]["description"]


def test_opening_a_return_checks_the_body(client, world):
    client = sign_in(client, PROGRAMME_MANAGER, world)

    response = post(
        client,
        reverse("api-returns"),
        {"sub_region": "derbyshire", "target_set": "no pe", "period": "Q3"},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"target_set", "period"}
    # Well formed, naming no target set: 404, naming the sets there are.
    response = post(
        client,
        reverse("api-returns"),
        {"sub_region": "derbyshire", "target_set": "nope", "period": PERIOD},
    )
    assert response.status_code == 404
    assert response.json()["errors"]["target_set"][0].startswith('No target set "nope"')
