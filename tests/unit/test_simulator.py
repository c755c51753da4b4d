"""The source-system simulator: contract of the files, determinism, truth, mess, effects."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.cli import main
from orchestration.sources.catalog import ENTITIES, IDENTITY_SOURCES, Entity
from orchestration.sources.simulator import BehaviourConfig, MessConfig, generate

# small but covering: erasures and NPS answers made frequent so every entity has rows
COVERING = BehaviourConfig(erasure_rate=0.05, nps_invite_share=1.0, nps_response_share=0.5)
STAGES = {"prospect", "onboarding", "developing", "loyal", "at_risk", "lapsed", "won_back"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "landing"
    generate(out, customers=300, seed=7, days=60, behaviour=COVERING)
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _reader(entity: Entity, glob: str) -> str:
    if entity.file_format == "csv":
        return (f"read_csv('{glob}', delim='{entity.csv_delimiter}', header=true, "
                "all_varchar=true, union_by_name=true, filename=true)")
    if entity.file_format == "jsonl":
        return (f"read_json('{glob}', format='newline_delimited', union_by_name=true, "
                "filename=true, records=true)")
    return f"read_parquet('{glob}', union_by_name=true, filename=true)"


def _glob(root: Path, entity: Entity) -> str:
    return str(root / entity.source / entity.name / f"*.{entity.extension}")


def test_same_seed_gives_identical_bytes(landing: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, customers=300, seed=7, days=60, behaviour=COVERING)
    assert _files(again) == _files(landing)
    other = tmp_path / "other"
    generate(other, customers=300, seed=8, days=60, behaviour=COVERING)
    assert _files(other) != _files(landing)


def test_every_entity_has_daily_files_with_exactly_the_declared_columns(landing: Path) -> None:
    con = duckdb.connect()
    for entity in ENTITIES:
        folder = landing / entity.source / entity.name
        files = sorted(folder.iterdir())
        assert files, f"{entity.raw_table}: no files"
        for path in files:
            assert re.fullmatch(rf"2026-(09|10)-\d\d\.{entity.extension}", path.name), path
        result = con.sql(f"select * from {_reader(entity, _glob(landing, entity))}")
        columns = [c for c in result.columns if c != "filename"]
        assert columns == [c.name for c in entity.columns], entity.raw_table
        assert len(result.fetchall()) > 0


def test_text_timestamps_parse_in_every_notation(landing: Path) -> None:
    con = duckdb.connect()
    notations: set[str] = set()
    for entity in ENTITIES:
        if entity.file_format == "parquet":
            continue
        for column in (c.name for c in entity.columns if c.type == "timestamp"):
            values = f"(select cast({column} as varchar) as v from " \
                     f"{_reader(entity, _glob(landing, entity))})"
            bad, kinds = con.sql(f"""
                select count(*) filter (where try_cast(v as timestamptz) is null),
                    list(distinct case when v like '%Z' then 'Z'
                        when regexp_matches(v, '[+-]\\d\\d:\\d\\d$') then 'colon'
                        when regexp_matches(v, '[+-]\\d{{4}}$') then 'compact'
                        else 'naive' end)
                from {values} where v is not null""").fetchall()[0]
            assert bad == 0, (entity.raw_table, column)
            notations |= set(kinds)
    assert notations == {"Z", "colon", "compact", "naive"}


def test_output_does_not_depend_on_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orchestration.sources.simulator import engine

    monkeypatch.setattr(engine, "CHUNK_PERSONS", 60)
    monkeypatch.setattr(engine, "CHUNKS_PER_SPILL", 1)
    outputs = []
    for workers in ("1", "2"):
        monkeypatch.setenv("KUNDRESA_WORKERS", workers)
        out = tmp_path / workers
        generate(out, customers=150, seed=11, days=20)
        outputs.append(_files(out))
    assert outputs[0] == outputs[1]


def test_manifest_lists_every_file_with_rows_and_hash(landing: Path) -> None:
    manifest = json.loads((landing / "_manifest.json").read_text())
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = set(_files(landing)) - {"_manifest.json"}
    assert set(listed) == on_disk
    for path, entry in listed.items():
        assert hashlib.sha256((landing / path).read_bytes()).hexdigest() == entry["sha256"]
    assert not list(landing.parent.glob(".landing.*")), "temporary folders left behind"


def _truth(landing: Path, name: str) -> list[dict]:
    return pq.read_table(landing / "_truth" / f"{name}.parquet").to_pylist()


def test_truth_covers_every_identity_record_exactly(landing: Path) -> None:
    con = duckdb.connect()
    records = _truth(landing, "person_of_record")
    keys = [(r["source_system"], r["source_record_id"]) for r in records]
    assert len(keys) == len(set(keys)), "one row per identity record"
    persons = {r["person_id"] for r in _truth(landing, "persons")}
    for r in records:
        assert r["person_id"] in persons or r["person_id"].startswith("test:")
    for source in IDENTITY_SOURCES:
        entity = next(e for e in ENTITIES if e.source == source.source
                      and e.name == source.entity)
        ids = {v for (v,) in con.sql(
            f"select distinct cast({source.id_column} as varchar) "
            f"from {_reader(entity, _glob(landing, entity))}").fetchall()}
        truth = {i for s, i in keys if s == source.source}
        assert ids == truth, source


def test_truth_tables_have_the_design_columns(landing: Path) -> None:
    expected = {
        "person_of_record": ["source_system", "source_record_id", "person_id"],
        "stages": ["person_id", "stage", "valid_from", "valid_to"],
        "channel_effects": ["channel", "true_incremental_conversions"],
        "future_value": ["person_id", "future_orders", "future_revenue"],
    }
    for name, columns in expected.items():
        assert pq.read_schema(landing / "_truth" / f"{name}.parquet").names == columns
    persons = pq.read_schema(landing / "_truth" / "persons.parquet").names
    assert persons[:12] == ["person_id", "given_names", "preferred_given_name", "surname",
                            "birth_date", "email", "phone_e164", "street", "postal_code",
                            "city", "country", "is_erased"]
    assert [c for c in persons if c.startswith("consent_")] == [
        "consent_email", "consent_sms", "consent_postal", "consent_phone", "consent_push"]


def test_persons_are_nordic_and_well_formed(landing: Path) -> None:
    formats = {"SE": r"\d{3} \d{2}", "NO": r"\d{4}", "DK": r"\d{4}", "FI": r"\d{5}"}
    codes = {"SE": "+46", "NO": "+47", "DK": "+45", "FI": "+358"}
    persons = _truth(landing, "persons")
    preferred_not_first = 0
    for p in persons:
        assert re.fullmatch(formats[p["country"]], p["postal_code"]), p["postal_code"]
        assert p["phone_e164"].startswith(codes[p["country"]])
        assert p["preferred_given_name"] in p["given_names"].split()
        preferred_not_first += p["preferred_given_name"] != p["given_names"].split()[0]
        if p["is_erased"]:
            assert not any(p[f"consent_{c}"] for c in ("email", "sms", "postal", "phone", "push"))
    assert 0.1 < preferred_not_first / len(persons) < 0.5
    assert any(ch in "".join(p["surname"] for p in persons) for ch in "åäöøæ")


def test_phone_numbers_are_distinct_mobiles_that_libphonenumber_accepts(landing: Path) -> None:
    """Every block of every country, with any digits behind it, is a valid mobile number."""
    import numpy as np
    import phonenumbers

    from orchestration.sources.simulator.nordic import PHONE_PREFIXES
    from orchestration.sources.simulator.phones import mobile_numbers

    mobile = {phonenumbers.PhoneNumberType.MOBILE,
              phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    # the lowest and highest persons' numbers under every block, and a spread in between
    unique7 = np.unique(np.concatenate([np.arange(0, 10**7, 99_991), [9_999_999]]))
    for country, (code, nsn_digits, blocks) in PHONE_PREFIXES.items():
        for pick in range(len(blocks)):
            nsn = mobile_numbers(blocks, nsn_digits, unique7, np.full(len(unique7), pick))
            assert len(set(nsn)) == len(unique7), country  # one number per person
            for number in nsn:
                parsed = phonenumbers.parse(f"+{code}{number}")
                assert phonenumbers.is_valid_number(parsed), (country, number)
                assert phonenumbers.number_type(parsed) in mobile, (country, number)
    # Norway's unallocated 42-44/49 and Denmark's 2x0 ranges are not used
    assert not {"42", "43", "44", "49"} & set(PHONE_PREFIXES["NO"][2])
    for p in _truth(landing, "persons"):
        parsed = phonenumbers.parse(p["phone_e164"])
        assert phonenumbers.is_valid_number(parsed), p["phone_e164"]
    persons = _truth(landing, "persons")
    assert len({p["phone_e164"] for p in persons}) == len(persons)


def test_mobile_blocks_too_few_for_unique_numbers_are_refused() -> None:
    import numpy as np

    from orchestration.sources.simulator.phones import mobile_numbers

    with pytest.raises(ValueError, match="cannot hold unique"):
        mobile_numbers(("40", "41"), 8, np.array([1234567]), np.array([0]))


def test_stages_are_contiguous_intervals(landing: Path) -> None:
    by_person: dict[str, list[dict]] = {}
    for row in _truth(landing, "stages"):
        assert row["stage"] in STAGES
        by_person.setdefault(row["person_id"], []).append(row)
    for rows in by_person.values():
        rows.sort(key=lambda r: r["valid_from"])
        for left, right in itertools.pairwise(rows):
            assert left["valid_to"] == right["valid_from"]
            assert left["stage"] != right["stage"]
        assert all(r["valid_to"] is not None for r in rows[:-1])
    assert {r["stage"] for rows in by_person.values() for r in rows} >= {"prospect", "loyal"}


def test_orders_include_open_ones_at_window_end(landing: Path) -> None:
    con = duckdb.connect()
    statuses = dict(con.sql(f"""
        with latest as (
            select order_id, arg_max(status, updated_at) as status
            from read_parquet('{landing}/webshop/orders/*.parquet') group by order_id)
        select status, count(*) from latest group by status""").fetchall())
    assert statuses.get("placed", 0) + statuses.get("shipped", 0) > 0
    assert statuses.get("delivered", 0) > 0


def test_campaign_ids_in_events_exist_in_the_campaign_calendar(landing: Path) -> None:
    con = duckdb.connect()
    crm = next(e for e in ENTITIES if e.raw_table == "crm__campaigns")
    known = {v for (v,) in con.sql(
        f"select campaign_id from {_reader(crm, _glob(landing, crm))}").fetchall()}
    for raw in ("esp__email_events", "sms__events", "app__events", "postal__mailings",
                "callcenter__contacts", "ads__daily_spend"):
        entity = next(e for e in ENTITIES if e.raw_table == raw)
        used = {v for (v,) in con.sql(
            f"select distinct campaign_id from {_reader(entity, _glob(landing, entity))} "
            "where campaign_id is not null").fetchall()}
        assert used <= known, raw


@pytest.mark.parametrize(("customers", "days"), [(1, 1), (7, 10), (40, 3)])
def test_tiny_data_sets_are_complete(tmp_path: Path, customers: int, days: int) -> None:
    summary = generate(tmp_path / "landing", customers=customers, seed=0, days=days)
    assert (tmp_path / "landing" / "_manifest.json").exists()
    assert summary.rows["crm__campaigns"] > 0
    persons = pq.read_table(tmp_path / "landing" / "_truth" / "persons.parquet")
    assert persons.num_rows == customers


def test_mess_config_rejects_impossible_rates() -> None:
    with pytest.raises(ValueError, match="typo_rate"):
        MessConfig(typo_rate=1.5)
    with pytest.raises(ValueError, match="timestamp_notations"):
        MessConfig(timestamp_notations=(0.5, 0.5, 0.5, 0.0))


def test_clean_config_writes_no_duplicates_and_only_utc_notation(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    generate(out, customers=200, seed=5, days=30, config=MessConfig.clean())
    events = [json.loads(line) for path in sorted((out / "web" / "events").iterdir())
              for line in path.read_text().splitlines()]
    assert events
    duplicated = len(events) - len({e["event_id"] for e in events})
    not_utc = sum(not e["occurred_at"].endswith("Z") for e in events)
    assert (duplicated, not_utc) == (0, 0)


# --- mess at configurable rates (measured from the files against the truth) ---

MESSY = MessConfig(
    typo_rate=0.0, case_noise_rate=0.2, whitespace_noise_rate=0.0, ascii_fold_rate=0.0,
    swapped_name_order_rate=0.3, first_given_name_rate=0.5, invalid_email_rate=0.1,
    invalid_phone_rate=0.1, duplicate_event_rate=0.1, late_event_rate=0.2,
    duplicate_account_rate=0.25, test_record_rate=0.05, missing_value_rate=0.15,
)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("messy") / "landing"
    generate(out, customers=1500, seed=3, days=90, config=MESSY)
    return out


def _sql(sql: str) -> list[tuple]:
    return duckdb.connect().sql(sql).fetchall()


def test_duplicated_and_late_events_at_their_rates(messy: Path) -> None:
    rows = _sql(f"""
        with e as (
            select event_id, occurred_at, filename,
                   cast(regexp_extract(filename, '(\\d{{4}}-\\d\\d-\\d\\d)', 1) as date) as batch
            from read_json('{messy}/web/events/*.jsonl', format='newline_delimited',
                           filename=true)),
        ranked as (select *, row_number() over (partition by event_id order by batch) as k from e)
        select count(*) filter (where k > 1) / count(*) filter (where k = 1),
               count(*) filter (where k = 1 and batch > cast(timezone('UTC',
                   cast(occurred_at as timestamptz)) as date))
                 / count(*) filter (where k = 1)
        from ranked""")
    duplicated, late = rows[0]
    assert duplicated == pytest.approx(0.1, abs=0.03)
    assert late == pytest.approx(0.2, abs=0.05)


def test_swapped_name_order_and_first_given_name_at_their_rates(messy: Path) -> None:
    truth = f"read_parquet('{messy}/_truth/%s.parquet')"
    rows = _sql(f"""
        with calls as (
            select c.caller_name, p.given_names, p.preferred_given_name, p.surname
            from read_csv('{messy}/callcenter/contacts/*.csv', all_varchar=true) c
            join {truth % 'person_of_record'} r
              on r.source_system = 'callcenter' and r.source_record_id = c.contact_id
            join {truth % 'persons'} p using (person_id)
            where c.direction = 'inbound' and c.caller_name is not null)
        select avg(case when starts_with(lower(caller_name), lower(surname) || ' ')
                   then 1 else 0 end)
        from calls""")
    assert rows[0][0] == pytest.approx(0.3, abs=0.08)
    rows = _sql(f"""
        with accounts as (
            select a.first_name, p.given_names, p.preferred_given_name
            from read_csv('{messy}/webshop/accounts/*.csv', all_varchar=true) a
            join {truth % 'person_of_record'} r
              on r.source_system = 'webshop' and r.source_record_id = a.account_id
            join {truth % 'persons'} p using (person_id)
            where split_part(p.given_names, ' ', 1) <> p.preferred_given_name
              and a.customer_number is not null)
        select avg(case when lower(first_name) = lower(split_part(given_names, ' ', 1))
                   then 1 else 0 end)
        from accounts""")
    assert rows[0][0] == pytest.approx(0.5, abs=0.1)


def test_invalid_emails_duplicate_accounts_and_test_records_at_their_rates(messy: Path) -> None:
    crm = f"read_csv('{messy}/crm/customers/*.csv', delim=';', all_varchar=true)"
    invalid = _sql(f"""
        with first_version as (
            select email, row_number() over (partition by customer_number
                                             order by updated_at) as k
            from {crm} where customer_type = 'private' and customer_number like '1%')
        select avg(case when email like '%@%@%' or email not like '%@%' or email like '%..%'
                   then 1 else 0 end)
        from first_version where k = 1 and email is not null""")[0][0]
    assert invalid == pytest.approx(0.1, abs=0.03)
    tests = _sql(f"""select avg(case when customer_type = 'test' then 1 else 0 end)
                     from (select distinct customer_number, customer_type from {crm})""")[0][0]
    assert tests == pytest.approx(0.05, abs=0.02)
    accounts = _sql(f"""
        select avg(case when n > 1 then 1 else 0 end) from (
            select person_id, count(*) as n
            from read_parquet('{messy}/_truth/person_of_record.parquet')
            where source_system = 'webshop' group by person_id)""")[0][0]
    # a duplicate opened after the window end is not seen: somewhat below the configured rate
    assert 0.12 < accounts < 0.27


def test_case_noise_missing_values_and_invalid_phones_at_their_rates(messy: Path) -> None:
    truth = f"read_parquet('{messy}/_truth/%s.parquet')"
    case, missing, invalid = _sql(f"""
        with first_version as (
            select c.*, row_number() over (partition by customer_number
                                           order by updated_at) as k
            from read_csv('{messy}/crm/customers/*.csv', delim=';', all_varchar=true) c
            where customer_type <> 'test' and customer_number like '1%'),
        joined as (
            select f.surname as typed, p.surname, f.birth_date, f.phone, p.phone_e164
            from first_version f
            join {truth % 'person_of_record'} r
              on r.source_system = 'crm' and r.source_record_id = f.customer_number
            join {truth % 'persons'} p using (person_id)
            where f.k = 1)
        select avg(case when typed <> surname and (typed = upper(surname)
                        or typed = lower(surname)) then 1 else 0 end)
                 / avg(case when upper(surname) <> surname then 1 else 0 end),
               avg(case when birth_date is null then 1 else 0 end),
               avg(case when right(regexp_replace(phone, '[^0-9]', '', 'g'), 4)
                        <> right(phone_e164, 4) then 1 else 0 end) filter (where phone is not null)
        from joined""")[0]
    assert case == pytest.approx(0.2, abs=0.05)
    assert missing == pytest.approx(0.15, abs=0.04)
    assert invalid == pytest.approx(0.1, abs=0.04)


def test_timestamp_notations_at_their_shares(messy: Path) -> None:
    shares = _sql(f"""
        select avg(case when occurred_at like '%Z' then 1 else 0 end),
               avg(case when regexp_matches(occurred_at, '[+-]\\d\\d:\\d\\d$') then 1 else 0 end),
               avg(case when regexp_matches(occurred_at, '[+-]\\d{{4}}$') then 1 else 0 end),
               avg(case when regexp_matches(occurred_at, '\\d\\d:\\d\\d:\\d\\d$') then 1 else 0
                   end)
        from read_csv('{messy}/sms/events/*.csv', all_varchar=true)""")[0]
    for observed, expected in zip(shares, MessConfig().timestamp_notations, strict=True):
        assert observed == pytest.approx(expected, abs=0.05)


def test_channel_effects_differ_clearly(messy: Path) -> None:
    effects = {r["channel"]: r["true_incremental_conversions"]
               for r in _truth(messy, "channel_effects")}
    assert set(effects) == {"email", "sms", "postal", "push", "telemarketing", "paid_search",
                            "paid_social", "display"}
    assert all(v >= 0 for v in effects.values())
    ranked = sorted(effects.values())
    assert ranked[-1] >= 10
    assert ranked[-1] >= 5 * (ranked[0] + 1)
    assert effects["paid_search"] > effects["display"]


def test_future_value_covers_every_person(messy: Path) -> None:
    future = _truth(messy, "future_value")
    persons = {r["person_id"] for r in _truth(messy, "persons")}
    assert {r["person_id"] for r in future} == persons
    assert all(r["future_orders"] >= 0 for r in future)
    assert sum(r["future_orders"] for r in future) > 0


# --- bad input ---

@pytest.mark.parametrize("args", [
    ("--customers", "-5", "--out", "{tmp}/x"),
    ("--customers", "10", "--days", "0", "--out", "{tmp}/x"),
    ("--customers", "10", "--seed", "-1", "--out", "{tmp}/x"),
    ("--customers", "10", "--out", "{tmp}/afile"),
    ("--customers", "10", "--out", "{tmp}/x", "--frobnicate"),
    ("--customers", "ten", "--out", "{tmp}/x"),
])
def test_bad_arguments_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
) -> None:
    (tmp_path / "afile").write_text("not a folder")
    try:
        status = main(["generate", *(a.format(tmp=tmp_path) for a in args)])
    except SystemExit as exit_info:
        status = exit_info.code
    assert status == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x").exists()


def test_refuses_a_foreign_non_empty_folder_and_replaces_an_earlier_data_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    assert main(["generate", "--customers", "5", "--days", "3", "--out", str(foreign)]) == 2
    assert "_manifest.json" in capsys.readouterr().err
    assert (foreign / "keep.txt").exists()
    out = tmp_path / "landing"
    for seed in ("1", "2"):
        assert main(["generate", "--customers", "20", "--days", "5", "--seed", seed,
                     "--out", str(out)]) == 0
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["parameters"]["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign", "landing"]


def test_command_runs_as_a_subprocess(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orchestration", "generate", "--customers", "30", "--days", "4",
         "--seed", "3", "--out", str(tmp_path / "landing")],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "touchpoint rows" in result.stdout
    assert (tmp_path / "landing" / "_manifest.json").exists()
