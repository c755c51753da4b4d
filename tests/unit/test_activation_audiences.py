"""The audience file: validation per audience, and the compiled dbt models in sync with it."""

from __future__ import annotations

import pytest

from orchestration.activation.audiences import (
    AUDIENCES_FILE,
    AudienceError,
    condition_columns,
    load_config,
    parse_config,
)
from orchestration.activation.compile import OUTPUT_DIR, customer_360_columns, render

COLUMNS = {"journey_stage", "complaints_last_90_days", "open_order_value_sek", "is_erased"}


def _config(**audience: object) -> dict:
    base = {
        "name": "winback",
        "channels": ["email"],
        "condition": "journey_stage = 'lapsed'",
        "priority": 10,
    }
    return {
        "contact_pressure": {"caps": [{"days": 7, "max_contacts": 2}]},
        "audiences": [{**base, **audience}, {**base, "name": "other"}],
    }


def test_valid_audience_parses_with_defaults() -> None:
    config = parse_config(_config(), COLUMNS)
    winback = config.audience("winback")
    assert winback.channels == ("email",)
    assert winback.cadence_days == 30 and winback.holdout_percent == 0
    assert winback.message_id == "WINBACK"
    assert config.caps[0].days == 7 and config.caps[0].max_contacts == 2
    assert not config.invalid


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"condition": "lifetime_value > 10"}, "unknown column(s) lifetime_value"),
        ({"condition": "journey_stage = "}, "invalid condition"),
        ({"condition": "1 = 1; drop table x"}, "without ; or comments"),
        ({"condition": "customer_key in (select 1)"}, "invalid condition"),
        ({"channels": ["fax"]}, "unknown channel(s) fax"),
        ({"channels": []}, "at least one channel"),
        ({"holdout_percent": 100}, "holdout_percent must be in [0, 100)"),
        ({"cadence_days": 0}, "cadence_days must be at least 1"),
        ({"colour": "red"}, "unknown setting(s) colour"),
    ],
)
def test_invalid_audience_is_set_aside_with_its_name_and_problem(
    change: dict, problem: str
) -> None:
    config = parse_config(_config(**change), COLUMNS)
    assert [a.name for a in config.audiences] == ["other"]  # the others still compile
    assert config.invalid["winback"].startswith("audience winback: ")
    assert problem in config.invalid["winback"]
    with pytest.raises(AudienceError, match="audience winback"):
        config.audience("winback")


def test_condition_columns_are_parsed_not_pattern_matched() -> None:
    columns = condition_columns(
        "complaints_last_90_days > 3 and journey_stage in ('at_risk', 'lapsed') "
        "and coalesce(open_order_value_sek, 0) > 1000"
    )
    assert columns == {"complaints_last_90_days", "journey_stage", "open_order_value_sek"}


def test_shipped_audiences_are_valid_and_cover_the_journey() -> None:
    config = load_config(AUDIENCES_FILE, customer_360_columns())
    assert not config.invalid
    conditions = " ".join(a.condition for a in config.audiences)
    for stage in ("onboarding", "developing", "at_risk", "lapsed"):
        assert f"'{stage}'" in conditions
    complaint = config.audience("complaint_letter")
    assert complaint.channels == ("postal",)
    assert complaint.condition == (
        "complaints_last_90_days > 3 and web_visits_last_30_days < 5 "
        "and open_order_value_sek > 1000"
    )


def test_compiled_models_are_in_sync_with_the_audience_file() -> None:
    expected = render(load_config(AUDIENCES_FILE, customer_360_columns()))
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in OUTPUT_DIR.iterdir() if p.is_file()}
    assert on_disk == expected, "run `make audiences` after editing dbt_project/audiences.yml"
