"""The synthetic labelled corpus: deterministic, every type/layout/font/condition, truths that validate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.synth import CONDITIONS, DOC_TYPES, FONT_NAMES, LAYOUTS, generate, people
from extractors.fields.mrz import parse_td1
from extractors.fields.qr import read_cccd_qr
from extractors.fields.types import registry
from extractors.fields.validators import cccd_expiry_due, valid_cccd, valid_tax_code
from sohoa.model import DocType


def test_same_arguments_give_the_same_file(tmp_path: Path) -> None:
    a = generate(DocType.CCCD_FRONT, layout=1, font="dejavu-sans", condition="phone", seed=7, out_dir=tmp_path / "a")
    b = generate(DocType.CCCD_FRONT, layout=1, font="dejavu-sans", condition="phone", seed=7, out_dir=tmp_path / "b")
    c = generate(DocType.CCCD_FRONT, layout=1, font="dejavu-sans", condition="phone", seed=8, out_dir=tmp_path / "c")
    assert a.path.read_bytes() == b.path.read_bytes() and a.truth == b.truth
    assert c.truth != a.truth


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_every_layout_has_the_types_fields_and_valid_identifiers(doc_type: DocType, tmp_path: Path) -> None:
    fields = set(registry()[doc_type].schema.names)
    for layout in LAYOUTS:
        sample = generate(doc_type, layout=layout, font=FONT_NAMES[layout], seed=layout, out_dir=tmp_path)
        assert set(sample.truth) == fields and sample.path.stat().st_size > 10_000
        truth = sample.truth
        if truth.get("id_number"):
            assert valid_cccd(truth["id_number"], truth.get("sex"), date.fromisoformat(truth["date_of_birth"]))
        if "enterprise_code" in truth:
            assert valid_tax_code(truth["enterprise_code"])
        if "mrz" in truth:
            assert parse_td1(tuple(truth["mrz"].split("\n"))).valid  # type: ignore[arg-type]


def test_the_front_qr_decodes_to_the_truth(tmp_path: Path) -> None:
    sample = generate(DocType.CCCD_FRONT, layout=0, seed=3, out_dir=tmp_path)
    code = read_cccd_qr(sample.path)
    assert code is not None
    assert code.id_number == sample.truth["id_number"]
    assert code.full_name.upper() == sample.truth["full_name"]
    assert code.place_of_residence == sample.truth["place_of_residence"]


def test_every_condition_and_font_renders(tmp_path: Path) -> None:
    names = {generate(DocType.BIRTH_CERTIFICATE, font=font, condition=condition, seed=1, out_dir=tmp_path).path.name
             for condition in CONDITIONS for font in FONT_NAMES[:1]}
    names |= {generate(DocType.CCCD_BACK, font=font, seed=1, out_dir=tmp_path).path.name for font in FONT_NAMES}
    assert len(names) == len(CONDITIONS) + len(FONT_NAMES)
    assert any(n.endswith(".jpg") for n in names) and len(FONT_NAMES) >= 3


def test_an_unknown_condition_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(DocType.CCCD_BACK, condition="fax", out_dir=tmp_path)


@given(birth=st.dates(date(1930, 1, 1), date(2010, 12, 31)), issue=st.dates(date(2016, 1, 1), date(2030, 12, 31)))
def test_generated_cccd_expiry_is_the_one_the_validator_expects(birth: date, issue: date) -> None:
    """The generator prints what the law (and so the validator) requires, at random and at the boundaries."""
    assert people.cccd_expiry(birth, issue) == cccd_expiry_due(birth, issue)


@pytest.mark.parametrize(("birth", "issue", "due"), [
    (date(2000, 2, 29), date(2021, 1, 1), date(2025, 2, 28)),  # a 29 February birth: no crash, 28 February
    (date(2000, 2, 29), date(2023, 2, 27), date(2025, 2, 28)),  # the day before the 23rd birthday: due at 25
    (date(2000, 2, 29), date(2023, 2, 28), date(2040, 2, 29)),  # on the 23rd birthday: within two years, to 40
    (date(1999, 3, 1), date(2022, 2, 28), date(2024, 3, 1)),  # 2 × 365 days before the 25th, but not 2 years
    (date(1999, 3, 1), date(2022, 3, 1), date(2039, 3, 1)),  # exactly two years before: valid to 40
    (date(1964, 5, 5), date(2022, 5, 5), None),  # from 58: no expiry
])
def test_generated_cccd_expiry_at_the_boundaries(birth: date, issue: date, due: date | None) -> None:
    assert people.cccd_expiry(birth, issue) == due == cccd_expiry_due(birth, issue)
