"""Claims (who said what, when, with what stance) and named victims with their fate."""

from datetime import date

from gawah.extract import extract_facts

DENIAL = (
    "On 18 July 2023, Mawlawi Abdul Karim Sabir, the spokesman of the Taliban police command in Takhar, "
    "denied that anyone had been detained in Warsaj. \u201cThese reports are propaganda,\u201d he said.\n\n"
    "Relatives said at least 19 men were detained in Warsaj district of Takhar province on 12 July 2023.\n\n"
    "Shir Agha Hamidi, 34, a former soldier, was detained on 12 July 2023. His whereabouts remain unknown.\n\n"
    "Rahim Gul Safi, a researcher at the monitoring group, said the detentions continued.\n"
)


def test_denial_by_a_party_is_a_claim_not_a_killing() -> None:
    result = extract_facts(DENIAL, published=date(2023, 7, 26))
    claims = result.claims
    assert claims and claims[0].speaker == "Abdul Karim Sabir"  # the title is not part of the name
    assert claims[0].stance == "denial"
    assert claims[0].affiliation == "Taliban"
    assert claims[0].date == "2023-07-18"
    # "he said" continues the same speaker.
    assert {c.speaker for c in claims} == {"Abdul Karim Sabir"}


def test_report_date_is_not_incident_date() -> None:
    result = extract_facts(DENIAL, published=date(2023, 7, 26))
    dates = {inc.date.start for inc in result.incidents if inc.date}
    assert "2023-07-12" in dates
    assert "2023-07-18" not in dates  # the day the denial was made
    assert "2023-07-26" not in dates  # the publication date


def test_named_victim_and_fate() -> None:
    result = extract_facts(DENIAL, published=date(2023, 7, 26))
    persons = {p.name: p for p in result.persons}
    assert "Shir Agha Hamidi" in persons
    assert persons["Shir Agha Hamidi"].fate == "missing"
    assert persons["Shir Agha Hamidi"].role == "victim"
    # Speakers are not victims.
    assert "Abdul Karim Sabir" not in persons
    assert "Rahim Gul Safi" not in persons


def test_un_statement_is_a_report_not_a_claim() -> None:
    text = ("Ms. Fatima Noori, a UN human rights officer, said the mission documented at least 12 "
            "arbitrary arrests of journalists in Herat.")
    result = extract_facts(text)
    assert result.claims == []
    assert result.persons == []
    assert result.incidents[0].violation == "arbitrary_detention"
    assert result.incidents[0].count is not None and result.incidents[0].count.value == 12


def test_known_spokesman_in_dari() -> None:
    text = "ذبیح‌الله مجاهد، سخنگوی طالبان، گزارش‌ها درباره کشتار غیرنظامیان را رد کرد."
    result = extract_facts(text)
    assert [(c.speaker, c.stance) for c in result.claims] == [("Zabihullah Mujahid", "denial")]
    assert result.incidents == []


def test_dari_victim_with_age() -> None:
    text = "محمدنبی احمدزی (۴۵ ساله) شب گذشته در ولسوالی جاغوری ولایت غزنی با شلیک گلوله کشته شد."
    result = extract_facts(text)
    assert [(p.name, p.fate) for p in result.persons] == [("محمدنبی احمدزی", "killed")]
    assert {pl.province for inc in result.incidents for pl in inc.places} == {"Ghazni"}


def test_among_the_dead() -> None:
    text = ("At least 7 civilians were killed in Spin Boldak district, Kandahar province, on 14 November "
            "2022. Among the dead was Gul Zaman Noori, 52, the father of the groom.")
    result = extract_facts(text)
    assert [(p.name, p.fate) for p in result.persons] == [("Gul Zaman Noori", "killed")]


def test_released_after_detention() -> None:
    text = ("Mohammad Yasin Karimi, 31, a shopkeeper, was arrested at his shop on 2 April 2022 and released "
            "eleven days later.")
    result = extract_facts(text)
    assert [(p.name, p.fate) for p in result.persons] == [("Mohammad Yasin Karimi", "released")]


def test_dari_name_with_fathers_name_and_last_night() -> None:
    text = ("افراد طالبان شب گذشته یک سرباز پیشین به نام عبدالواحد فرزند غلام سخی را در ولسوالی ورسج "
            "ولایت تخار تیرباران کردند.")
    result = extract_facts(text, published=date(2023, 9, 16))
    assert [(p.name, p.fate) for p in result.persons] == [("عبدالواحد", "killed")]
    killing = result.incidents[0]
    assert killing.violation == "killing" and killing.date is not None
    assert killing.date.start == "2023-09-15"
    assert {pl.province for pl in killing.places} == {"Takhar"}


def test_officials_are_not_victims() -> None:
    text = "The Taliban governor of Herat, Mawlawi Islamuddin Jihad, ordered the arrest of six activists."
    result = extract_facts(text)
    assert result.incidents and result.persons == []


def test_a_rapporteurs_rejection_is_not_a_partys_claim() -> None:
    text = ("Richard Bennett, the UN Special Rapporteur, rejected the claims of the de facto authorities. "
            "Mawlawi Abdul Karim, a Taliban spokesman, denied that anyone was killed.")
    assert [(c.speaker, c.stance) for c in extract_facts(text).claims] == [("Abdul Karim", "denial")]


def test_a_local_officials_negated_statement_is_a_denial() -> None:
    text = ('On 1 March 2023, a district official, Mawlawi Abdul Satar Haqyar, said that "no road into Nili '
            'has been closed and fuel reaches the clinic every week".')
    claims = extract_facts(text).claims
    assert [(c.speaker, c.affiliation, c.date, c.stance) for c in claims] == [
        ("Abdul Satar Haqyar", "Taliban", "2023-03-01", "denial")]
    assert claims[0].quote.startswith("no road into Nili")


def test_former_officials_are_victims_not_party() -> None:
    text = ("Among those detained was Ahmad Shah Noorzai, a former district governor, who was arrested on "
            "December 2, 2023, and remains in custody.")
    result = extract_facts(text)
    assert [(p.name, p.fate) for p in result.persons] == [("Ahmad Shah Noorzai", "detained")]


def test_commanders_acting_and_group_words_are_not_victims() -> None:
    assert extract_facts("Mullah Abdul Karim Sabir, a commander, ordered the execution of three prisoners."
                         ).persons == []
    assert extract_facts("Hazara Shia worshippers were killed in the attack.").persons == []
