"""The words of reports and the dashboard in English, Dari and Pashto.

Vocabulary codes (violations, perpetrators, victim groups, count qualifiers) are named by the web
interface's catalogue (`gawah.web.labels`), so a violation reads the same on every page; this table
holds the report's own sentences. English is the key; a test checks every key has both translations
with the same placeholders.
"""

from __future__ import annotations

from collections.abc import Callable

from gawah.analysis.places import place_names
from gawah.web.formatting import localise_digits, number
from gawah.web.i18n import LOCALES, translations
from gawah.web.labels import labeller

LANGUAGES = ("en", "fa", "ps")

MESSAGES: dict[str, dict[str, str]] = {
    "Report on human-rights violations in Afghanistan": {
        "fa": "گزارش نقض حقوق بشر در افغانستان",
        "ps": "په افغانستان کې د بشري حقونو د سرغړونو راپور",
    },
    "Summary": {"fa": "خلاصه", "ps": "لنډیز"},
    "Methodology": {"fa": "روش کار", "ps": "د کار طریقه"},
    "Figures": {"fa": "ارقام", "ps": "شمېرې"},
    "Incidents and victims by violation": {
        "fa": "رویدادها و قربانیان بر اساس نوع نقض",
        "ps": "پېښې او قربانیان د سرغړونې د ډول له مخې",
    },
    "By province": {"fa": "بر اساس ولایت", "ps": "د ولایت له مخې"},
    "By district": {"fa": "بر اساس ولسوالی", "ps": "د ولسوالۍ له مخې"},
    "By month": {"fa": "بر اساس ماه", "ps": "د میاشتې له مخې"},
    "By victim group": {"fa": "بر اساس گروه قربانیان", "ps": "د قربانیانو د ډلې له مخې"},
    "By perpetrator": {"fa": "بر اساس عامل", "ps": "د ترسره کوونکي له مخې"},
    "Incidents by province": {"fa": "رویدادها بر اساس ولایت", "ps": "پېښې د ولایت له مخې"},
    "Incidents by district": {"fa": "رویدادها بر اساس ولسوالی", "ps": "پېښې د ولسوالۍ له مخې"},
    "Incidents per month": {"fa": "رویدادها در هر ماه", "ps": "پېښې په هره میاشت کې"},
    "Annex: incidents and their sources": {
        "fa": "ضمیمه: رویدادها و منابع آن‌ها",
        "ps": "ضمیمه: پېښې او د هغو سرچینې",
    },
    "Records behind the figures": {"fa": "اسناد پشت ارقام", "ps": "د شمېرو تر شا اسناد"},
    "Violation": {"fa": "نوع نقض", "ps": "د سرغړونې ډول"},
    "Province": {"fa": "ولایت", "ps": "ولایت"},
    "District": {"fa": "ولسوالی", "ps": "ولسوالي"},
    "Month": {"fa": "ماه", "ps": "میاشت"},
    "Victim group": {"fa": "گروه قربانیان", "ps": "د قربانیانو ډله"},
    "Perpetrator": {"fa": "عامل", "ps": "ترسره کوونکی"},
    "Incidents": {"fa": "رویدادها", "ps": "پېښې"},
    "Victims": {"fa": "قربانیان", "ps": "قربانیان"},
    "Acts": {"fa": "اعمال", "ps": "کړنې"},
    "Date": {"fa": "تاریخ", "ps": "نېټه"},
    "Place": {"fa": "مکان", "ps": "ځای"},
    "Status": {"fa": "وضعیت", "ps": "حالت"},
    "Sources": {"fa": "منابع", "ps": "سرچینې"},
    "Unknown": {"fa": "نامعلوم", "ps": "نامعلوم"},
    "Period": {"fa": "دوره", "ps": "موده"},
    "all dates": {"fa": "همه تاریخ‌ها", "ps": "ټولې نېټې"},
    "Filters": {"fa": "فیلترها", "ps": "فلترونه"},
    "none": {"fa": "هیچ", "ps": "هیڅ"},
    "Prepared on %(date)s from workspace “%(name)s”.": {
        "fa": "تهیه شده در %(date)s از فضای کاری «%(name)s».",
        "ps": "په %(date)s د «%(name)s» له کاري ځای څخه چمتو شوی.",
    },
    "at least %(n)s": {"fa": "دست‌کم %(n)s", "ps": "لږ تر لږه %(n)s"},
    "about %(n)s": {"fa": "حدود %(n)s", "ps": "شاوخوا %(n)s"},
    "No confirmed incident matches this selection: there is nothing to count, chart or map.": {
        "fa": "هیچ رویداد تأییدشده‌ای با این انتخاب مطابقت ندارد: چیزی برای شمارش، نمودار یا نقشه وجود ندارد.",
        "ps": "هیڅ تایید شوې پېښه له دې انتخاب سره سمون نه لري: د شمېرلو، چارټ یا نقشې لپاره څه نشته.",
    },
    "%(incidents)s confirmed incidents were documented in this selection, with %(victims)s victims.": {
        "fa": "در این انتخاب %(incidents)s رویداد تأییدشده با %(victims)s قربانی مستند شده است.",
        "ps": "په دې انتخاب کې %(incidents)s تایید شوې پېښې د %(victims)s قربانیانو سره مستندې شوې دي.",
    },
    "The most frequent violation was %(violation)s (%(incidents)s incidents).": {
        "fa": "بیشترین نقض، %(violation)s بود (%(incidents)s رویداد).",
        "ps": "تر ټولو زیاته سرغړونه %(violation)s وه (%(incidents)s پېښې).",
    },
    "Victim totals marked “at least” add up lower bounds: the sources said “at least” or “more than”, "
    "or gave no number, so the true figure is higher.": {
        "fa": "مجموع قربانیانی که با «دست‌کم» نشان داده شده، جمع حدهای پایین است: منابع گفته‌اند «دست‌کم» "
        "یا «بیش از»، یا عددی نداده‌اند؛ پس رقم واقعی بیشتر است.",
        "ps": "د قربانیانو هغه مجموعه چې «لږ تر لږه» ښودل شوې، د ټیټو حدونو مجموعه ده: سرچینو ویلي "
        "«لږ تر لږه» یا «تر ... زیات»، یا یې شمېره نه ده ورکړې؛ نو رښتینې شمېره تر دې زیاته ده.",
    },
    "Only confirmed incidents are counted: each was accepted by a reviewer against its sources, and "
    "none has been retracted. Reports of one event from several sources were merged and the event is "
    "counted once.": {
        "fa": "تنها رویدادهای تأییدشده شمرده شده‌اند: هر یک را یک بررسی‌کننده با منابعش سنجیده و پذیرفته "
        "است و هیچ‌کدام پس گرفته نشده است. گزارش‌های چند منبع از یک رویداد یکجا شده و آن رویداد یک بار "
        "شمرده شده است.",
        "ps": "یوازې تایید شوې پېښې شمېرل شوې دي: هره یوه یو بیاکتونکي د هغې له سرچینو سره پرتله کړې "
        "او منلې ده، او هیڅ یوه بېرته اخیستل شوې نه ده. د یوې پېښې په اړه د څو سرچینو راپورونه یو ځای "
        "شوي او پېښه یو ځل شمېرل شوې ده.",
    },
    "Counts are those the sources give. An incident in two provinces, or a person subjected to two "
    "violations, is counted under each, so group totals may exceed the overall total.": {
        "fa": "ارقام همان است که منابع داده‌اند. رویدادی که در دو ولایت رخ داده، یا شخصی که دو نوع نقض بر او "
        "رفته، زیر هر دو شمرده می‌شود؛ از این رو مجموع گروه‌ها ممکن است از مجموع کل بیشتر باشد.",
        "ps": "شمېرې هغه دي چې سرچینو ورکړې دي. هغه پېښه چې په دوو ولایتونو کې شوې، یا هغه کس چې دوه "
        "ډوله سرغړونې پرې شوې، د هر یوه لاندې شمېرل کېږي؛ نو د ډلو مجموعه ښایي له ټولې مجموعې زیاته وي.",
    },
    "Every figure links to the incidents it counts; each incident in the annex names its sources.": {
        "fa": "هر رقم به رویدادهایی که می‌شمارد پیوند دارد؛ هر رویداد در ضمیمه منابع خود را نام می‌برد.",
        "ps": "هره شمېره هغو پېښو ته تړل شوې چې شمېري یې؛ په ضمیمه کې هره پېښه خپلې سرچینې یادوي.",
    },
    "Recorded figures are a floor, not an estimate of all violations: many are never reported.": {
        "fa": "ارقام ثبت‌شده حد پایین است، نه برآورد همه نقض‌ها: بسیاری از نقض‌ها هرگز گزارش نمی‌شوند.",
        "ps": "ثبت شوې شمېرې ټیټ حد دی، د ټولو سرغړونو اټکل نه دی: ډېرې سرغړونې هېڅکله نه راپور کېږي.",
    },
    "Only records cleared for this readership are shown: %(levels)s.": {
        "fa": "تنها اسنادی نشان داده شده که برای این خوانندگان مجاز است: %(levels)s.",
        "ps": "یوازې هغه اسناد ښودل شوي چې د دې لوستونکو لپاره اجازه لري: %(levels)s.",
    },
    "The annex lists the first %(shown)s of %(total)s incidents.": {
        "fa": "ضمیمه %(shown)s رویداد نخست از %(total)s رویداد را فهرست می‌کند.",
        "ps": "ضمیمه له %(total)s پېښو څخه لومړۍ %(shown)s پېښې لړلیکوي.",
    },
    "independent": {"fa": "مستقل", "ps": "خپلواک"},
    "repeats another source": {"fa": "تکرار منبعی دیگر", "ps": "د بلې سرچینې تکرار"},
    "Incident %(id)s": {"fa": "رویداد %(id)s", "ps": "پېښه %(id)s"},
    "no source that may be shown": {
        "fa": "منبعی که بتوان نشان داد نیست",
        "ps": "داسې سرچینه نشته چې وښودل شي",
    },
    "Boundaries: geoBoundaries (CC BY 4.0), with OCHA place codes.": {
        "fa": "مرزها: geoBoundaries (CC BY 4.0)، با کدهای مکانی OCHA.",
        "ps": "پولې: geoBoundaries (CC BY 4.0)، د OCHA د ځای له کوډونو سره.",
    },
    "Statistics": {"fa": "آمار", "ps": "احصایه"},
    "Timeline": {"fa": "جدول زمانی", "ps": "مهالوېش"},
    "Apply": {"fa": "اعمال", "ps": "پلي کول"},
    "From": {"fa": "از", "ps": "له"},
    "To": {"fa": "تا", "ps": "تر"},
    "All": {"fa": "همه", "ps": "ټول"},
    "Incidents in date order": {"fa": "رویدادها به ترتیب تاریخ", "ps": "پېښې د نېټې په ترتیب"},
    "Previous": {"fa": "قبلی", "ps": "مخکینی"},
    "Next": {"fa": "بعدی", "ps": "بل"},
    "Undated incidents: %(n)s": {"fa": "رویدادهای بدون تاریخ: %(n)s", "ps": "بې نېټې پېښې: %(n)s"},
    "Download as JSON": {"fa": "دریافت به شکل JSON", "ps": "د JSON په بڼه ښکته کول"},
    "Download as CSV": {"fa": "دریافت به شکل CSV", "ps": "د CSV په بڼه ښکته کول"},
    "reported": {"fa": "گزارش‌شده", "ps": "راپور شوې"},
    "corroborated": {"fa": "تأییدشده با چند منبع", "ps": "په څو سرچینو تایید شوې"},
    "verified": {"fa": "راستی‌آزمایی‌شده", "ps": "تصدیق شوې"},
    "disputed": {"fa": "مورد اختلاف", "ps": "د شخړې وړ"},
    "public": {"fa": "عمومی", "ps": "عامه"},
    "restricted": {"fa": "محدود", "ps": "محدود"},
    "confidential": {"fa": "محرمانه", "ps": "محرم"},
}


class ReportText:
    """The words of one language: `t` for the report's sentences, `label` for vocabulary codes."""

    def __init__(self, code: str):
        if code not in LANGUAGES:
            raise ValueError(f"unknown language {code!r}: one of {', '.join(LANGUAGES)}")
        self.code = code
        self.direction = LOCALES[code].direction
        self._label: Callable[[str, str | None], str] = labeller(translations(code).gettext)

    def t(self, message: str, **values: object) -> str:
        text = message if self.code == "en" else MESSAGES[message][self.code]
        return text % values if values else text

    def num(self, value: int) -> str:
        return number(value, self.code)

    def victims(self, total: int, bound: str) -> str:
        if bound == "at_least":
            return self.t("at least %(n)s", n=self.num(total))
        if bound == "approximately":
            return self.t("about %(n)s", n=self.num(total))
        return self.num(total)

    def key(self, dimension: str, key: str) -> str:
        """A group's name: a vocabulary label, a province or district name, or the month."""
        if key == "unknown":
            return self.t("Unknown")
        if dimension in ("violation", "perpetrator", "victim_group"):
            return self._label(dimension, key)
        if dimension in ("province", "district"):
            names = place_names()
            found = names.get(key)
            if found:
                return found[1] if self.code != "en" and found[1] else found[0]
        if dimension == "month" and self.code != "en":
            return self.num_text(key)
        return key

    def num_text(self, text: str) -> str:
        return localise_digits(text, self.code)

    def status(self, value: str) -> str:
        return self.t(value) if value in MESSAGES else value


