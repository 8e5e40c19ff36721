from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hrflow.policy import (
    InvalidIdNumber,
    PolicyInputError,
    age_on,
    build_id_number,
    mask_id_number,
    parse_id_number,
)

# Real-format numbers: a Chengdu district code and the GB 11643 standard's own example.
VALID = [
    ("11010519491231002X", date(1949, 12, 31), "F"),
    ("510104199001011230", date(1990, 1, 1), "M"),
]

regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@pytest.mark.parametrize("number,birth,sex", VALID)
def test_valid_number_yields_birth_date_and_sex(number, birth, sex):
    identity = parse_id_number(number)
    assert (identity.birth_date, identity.sex) == (birth, sex)


def test_lowercase_x_and_spaces_are_accepted():
    assert parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character
        "11010519491231002",  # 17 characters
        "110105491231002",  # old 15-digit number
        "1101051949123100XX",  # X inside the body
        "110105194902300028",  # 30 February
        "110105180001010016",  # born before 1900
        "",
    ],
)
def test_malformed_numbers_are_refused(number):
    with pytest.raises(InvalidIdNumber):
        parse_id_number(number)


def test_non_text_is_refused_with_a_value_error():
    with pytest.raises(ValueError):
        parse_id_number(110105194912310020)


def test_region_created_after_birth_year_is_still_valid():
    # 510116 (Shuangliu district) was created in 2015; the number was assigned there to a
    # person born in 1966. stdnum's validate() refuses it; the notice's rules must not.
    number = build_id_number("510116", date(1966, 5, 4), 31)
    assert parse_id_number(number).birth_date == date(1966, 5, 4)


@given(regions, births, sequences)
def test_any_composed_number_round_trips(region, birth, sequence):
    identity = parse_id_number(build_id_number(region, birth, sequence))
    assert identity.birth_date == birth
    assert identity.sex == ("M" if sequence % 2 else "F")


@given(regions, births, sequences, st.sampled_from("0123456789X"))
def test_any_wrong_check_character_is_refused(region, birth, sequence, check):
    number = build_id_number(region, birth, sequence)
    if check == number[-1]:
        return
    with pytest.raises(InvalidIdNumber):
        parse_id_number(number[:-1] + check)


@given(st.text(max_size=30))
def test_arbitrary_text_parses_or_raises_a_policy_error(text):
    try:
        identity = parse_id_number(text)
    except PolicyInputError:
        return
    assert len(identity.number) == 18


@pytest.mark.parametrize(
    "birth,as_of,age",
    [
        (date(1964, 6, 15), date(2024, 6, 14), 59),  # the day before the birthday
        (date(1964, 6, 15), date(2024, 6, 15), 60),  # the birthday itself
        (date(1964, 6, 15), date(2024, 6, 16), 60),  # the day after
        (date(1964, 6, 15), date(1964, 6, 15), 0),
        # 29 February: in a common year the anniversary is 28 February (Civil Code art. 202).
        (date(1964, 2, 29), date(2023, 2, 27), 58),
        (date(1964, 2, 29), date(2023, 2, 28), 59),
        (date(1964, 2, 29), date(2023, 3, 1), 59),
        (date(1964, 2, 29), date(2024, 2, 28), 59),
        (date(1964, 2, 29), date(2024, 2, 29), 60),
    ],
)
def test_age_in_full_years(birth, as_of, age):
    assert age_on(birth, as_of) == age


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    "number,masked",
    [("11010519491231002X", "1101**********002X"), ("510104199001011230", "5101**********1230"), ("", ""), (None, "")],
)
def test_mask_keeps_prefix_and_last_four(number, masked):
    assert mask_id_number(number) == masked


def test_non_ascii_digits_are_refused():
    # str.isdigit() accepts Arabic-Indic digits; an ID number never holds them.
    with pytest.raises(InvalidIdNumber):
        parse_id_number("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X")
