"""Invented lists of Afghan persons with realistic duplicates, for benchmarks and tests.

Every person here is invented: names are drawn at random from common name parts, so any
resemblance to a real person is chance. Each person appears one to four times, as different
organisations would list them: another Latin spelling, Arabic script instead of Latin, a title
added, the age instead of the birth year (and a year off), the father's name or the place missing,
a typing slip.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gawah.link.records import PersonRecord

# Name parts: Dari spelling, then Latin spellings seen in lists (first is the common one).
NAME_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("محمد", ("Mohammad", "Muhammad", "Mohammed", "Mohd", "Md")),
    ("احمد", ("Ahmad", "Ahmed")),
    ("عبدالرحمن", ("Abdul Rahman", "Abdurrahman", "Abdulrahman", "Abd al-Rahman")),
    ("عبدالغنی", ("Abdul Ghani", "Abdulghani", "Abdul Ghanee")),
    ("عبدالقادر", ("Abdul Qadir", "Abdulqadir", "Abdul Kadir", "Abdul Qader")),
    ("ذبیح‌الله", ("Zabiullah", "Zabihullah", "Zabi Ullah", "Zabiulla")),
    ("رحمت‌الله", ("Rahmatullah", "Rahmatulla", "Rahmat Ullah")),
    ("عصمت‌الله", ("Esmatullah", "Ismatullah", "Esmatulla")),
    ("نجیب‌الله", ("Najibullah", "Najeebullah", "Najibulla")),
    ("حبیب‌الله", ("Habibullah", "Habeebullah", "Habib Ullah")),
    ("صلاح‌الدین", ("Salahuddin", "Salah Uddin", "Salahudin")),
    ("زمان", ("Zaman", "Zamaan")),
    ("غلام", ("Ghulam", "Gholam", "Gulam")),
    ("حسین", ("Hussain", "Hosein", "Husain", "Hussein")),
    ("یوسف", ("Yousuf", "Yusuf", "Yosuf", "Yousef")),
    ("کریم", ("Karim", "Kareem")),
    ("نبی", ("Nabi", "Nabee")),
    ("ولی", ("Wali", "Vali")),
    ("گل", ("Gul", "Gol")),
    ("نور", ("Noor", "Nur")),
    ("شاه", ("Shah",)),
    ("جان", ("Jan", "Jaan")),
    ("خان", ("Khan",)),
    ("عمر", ("Omar", "Umar")),
    ("عثمان", ("Osman", "Usman")),
    ("داود", ("Dawood", "Dawud", "Daud")),
    ("حمید", ("Hamid", "Hameed")),
    ("رحیم", ("Rahim", "Raheem")),
    ("قاسم", ("Qasim", "Qassem", "Kasim")),
    ("فرید", ("Farid", "Fareed")),
    ("جاوید", ("Jawid", "Javed", "Javid", "Jawed")),
    ("نوید", ("Navid", "Naweed", "Navid")),
    ("پرویز", ("Parwiz", "Parvez", "Parviz")),
    ("سرور", ("Sarwar", "Sarvar")),
    ("خالد", ("Khalid", "Khaled")),
    ("طارق", ("Tariq", "Tarek", "Tareq")),
    ("ظاهر", ("Zahir", "Zaher", "Zaheer")),
    ("بشیر", ("Bashir", "Basheer")),
    ("نصیر", ("Nasir", "Naseer", "Nasser")),
    ("منصور", ("Mansoor", "Mansur", "Mansour")),
    ("مسعود", ("Masood", "Masud", "Masoud")),
    ("سید", ("Sayed", "Syed", "Sayyid")),
    ("میر", ("Mir",)),
    ("اکبر", ("Akbar",)),
    ("اسد", ("Asad", "Assad")),
    ("شفیق", ("Shafiq", "Shafeeq")),
    ("رفیع", ("Rafi", "Rafee")),
    ("وحید", ("Wahid", "Waheed", "Vahid")),
    ("همایون", ("Humayun", "Homayoon", "Homayun")),
    ("ابراهیم", ("Ibrahim", "Ebrahim")),
    ("اسماعیل", ("Ismail", "Esmail", "Ismael")),
    ("یعقوب", ("Yaqub", "Yaqoob", "Yakub")),
    ("فضل", ("Fazl", "Fazel", "Fazal")),
    ("امین", ("Amin", "Ameen")),
    ("ملک", ("Malik", "Malek")),
    ("عزیز", ("Aziz", "Azeez")),
    ("لطیف", ("Latif", "Lateef")),
    ("مجید", ("Majid", "Majeed")),
    ("سمیع", ("Sami", "Samee")),
    ("شریف", ("Sharif", "Shareef")),
)

FEMALE_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("فاطمه", ("Fatima", "Fatema", "Fatimah")),
    ("زینب", ("Zainab", "Zaynab", "Zeinab")),
    ("مریم", ("Maryam", "Mariam", "Mariyam")),
    ("ملالی", ("Malalai", "Malali")),
    ("شکیلا", ("Shakila", "Shakeela")),
    ("نسرین", ("Nasrin", "Nasreen")),
    ("ذکیه", ("Zakia", "Zakiya", "Zakiyah")),
    ("گلالی", ("Gulalai", "Golalai")),
    ("فریبا", ("Fariba", "Fareeba")),
    ("حمیده", ("Hamida", "Hameeda")),
)

# Province names (Dari, then Latin spellings): public geography (OCHA/AGCHO 2018 names).
PROVINCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("کابل", ("Kabul",)), ("کندهار", ("Kandahar", "Qandahar")), ("هلمند", ("Helmand", "Hilmand")),
    ("ننگرهار", ("Nangarhar", "Ningarhar")), ("بلخ", ("Balkh",)), ("هرات", ("Herat", "Hirat")),
    ("غزنی", ("Ghazni",)), ("پکتیا", ("Paktya", "Paktia")), ("کنر", ("Kunar", "Konar")),
    ("بغلان", ("Baghlan",)), ("کندز", ("Kunduz", "Kondoz")), ("تخار", ("Takhar",)),
    ("بدخشان", ("Badakhshan",)), ("پنجشیر", ("Panjshir", "Panjsher")), ("لوگر", ("Logar",)),
    ("وردک", ("Wardak", "Maidan Wardak")), ("فاریاب", ("Faryab", "Fariab")), ("خوست", ("Khost",)),
    ("ارزگان", ("Uruzgan", "Oruzgan")), ("زابل", ("Zabul", "Zabol")),
)
DISTRICT_COUNT = 12

OCCUPATIONS = ("police", "army", "official", "teacher", "farmer", "student", "journalist",
               "shopkeeper", None)
OCCUPATIONS_DARI = {"police": "پولیس", "army": "اردو", "teacher": "معلم", "farmer": "دهقان"}


@dataclass(frozen=True)
class SyntheticList:
    """Records and, for scoring, the invented person each record stands for."""

    records: tuple[PersonRecord, ...]
    person_of: dict[str, str]


def _pick_name(rng: random.Random, parts: tuple[tuple[str, tuple[str, ...]], ...]) -> list[int]:
    if rng.random() < 0.45:
        return [rng.randrange(len(parts)), rng.randrange(len(parts))]
    return [rng.randrange(len(parts))]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1:]
    if kind < 0.7:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i] + text[i:]


def _render(rng: random.Random, parts: tuple[tuple[str, tuple[str, ...]], ...], idx: list[int],
            native: bool, variant: bool) -> str:
    if native:
        return " ".join(parts[i][0] for i in idx)
    words = [rng.choice(parts[i][1]) if variant else parts[i][1][0] for i in idx]
    return " ".join(words)


def generate(n_records: int, *, seed: int = 7, duplicate_rate: float = 0.35) -> SyntheticList:
    """About ``n_records`` invented records; roughly ``duplicate_rate`` of them repeat a person."""
    rng = random.Random(seed)
    records: list[PersonRecord] = []
    person_of: dict[str, str] = {}
    person = 0
    while len(records) < n_records:
        person += 1
        female = rng.random() < 0.2
        parts = FEMALE_PARTS if female else NAME_PARTS
        given = _pick_name(rng, parts)
        father = _pick_name(rng, NAME_PARTS)
        grandfather = _pick_name(rng, NAME_PARTS) if rng.random() < 0.5 else None
        born = rng.randint(1950, 2008)
        province = rng.randrange(len(PROVINCES))
        district = f"District {rng.randrange(DISTRICT_COUNT) + 1}"
        occupation = rng.choice(OCCUPATIONS)
        copies = 1
        if rng.random() < duplicate_rate:
            copies = rng.choice((2, 2, 2, 3, 3, 4))
        for copy in range(copies):
            if len(records) >= n_records:
                break
            varied = copy > 0
            native = varied and rng.random() < 0.25
            name = _render(rng, parts, given, native=False, variant=varied)
            if varied and rng.random() < 0.1:
                name = _typo(rng, name)
            if varied and rng.random() < 0.1:
                name = "Haji " + name
            father_name: str | None = _render(rng, NAME_PARTS, father, native=native, variant=varied)
            if varied and rng.random() < 0.1:
                father_name = None
            year: int | None = born
            age: float | None = None
            when: str | None = None
            if varied and rng.random() < 0.4:
                year = None
                when_year = rng.randint(2021, 2024)
                age = float(when_year - born + rng.choice((-1, 0, 0, 0, 1, 2)))
                when = f"{when_year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            prov = PROVINCES[province]
            province_name: str | None = prov[0] if native else rng.choice(prov[1]) if varied else prov[1][0]
            if varied and rng.random() < 0.15:
                province_name = None
            occ = occupation
            occupation_text = OCCUPATIONS_DARI.get(occ, occ) if native and occ else occ
            record_id = f"p{person}-{copy}"
            records.append(PersonRecord(
                id=record_id,
                name=None if native else name,
                name_native=_render(rng, parts, given, native=True, variant=False) if native or
                rng.random() < 0.2 else None,
                father_name=father_name,
                grandfather_name=_render(rng, NAME_PARTS, grandfather, native=native, variant=varied)
                if grandfather and rng.random() < 0.7 else None,
                sex="f" if female else "m",
                birth_year=year,
                age=age,
                date=when,
                province=province_name,
                district=district if not varied or rng.random() < 0.8 else None,
                occupation=occupation_text,
            ))
            person_of[record_id] = f"p{person}"
    return SyntheticList(tuple(records), person_of)
