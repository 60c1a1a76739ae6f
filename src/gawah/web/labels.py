"""Readable, translatable names for the codes of the vocabulary (store/vocab.py, TAXONOMY.md).

The English names are message ids: `N_` marks them for `pybabel extract` and the page translates
them when it shows them. A code with no name here is shown as the code itself.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


LABELS: dict[str, dict[str, str]] = {
    "language": {
        "en": N_("English"),
        "fa": N_("Dari"),
        "ps": N_("Pashto"),
        "und": N_("Undetermined"),
    },
    "violation": {
        "killing": N_("Killing"),
        "torture": N_("Torture and ill-treatment"),
        "arbitrary_detention": N_("Arbitrary detention"),
        "enforced_disappearance": N_("Enforced disappearance"),
        "hostage_taking": N_("Hostage-taking"),
        "property_destruction": N_("Destruction of property"),
        "property_seizure": N_("Seizure of property"),
        "pillage": N_("Pillage"),
        "forced_displacement": N_("Forced displacement"),
        "collective_punishment": N_("Collective punishment"),
        "denial_of_essentials": N_("Denial of essentials (food, fuel, medicine)"),
        "attack_on_education": N_("Attack on education"),
        "indiscriminate_attack": N_("Indiscriminate attack"),
        "movement_restriction": N_("Restriction of movement"),
        "denial_of_burial": N_("Denial of burial"),
        "sexual_violence": N_("Sexual violence"),
        "persecution": N_("Persecution"),
        "threats_intimidation": N_("Threats and intimidation"),
    },
    "perpetrator": {
        "taliban": N_("Taliban"),
        "foreign_military": N_("Foreign military"),
        "armed_group": N_("Armed group"),
        "unknown": N_("Unknown"),
    },
    "victim_group": {
        "former_security_forces": N_("Former security forces"),
        "former_officials": N_("Former officials"),
        "civilians": N_("Civilians"),
        "women": N_("Women"),
        "children": N_("Children"),
        "youth": N_("Youth"),
        "family_members": N_("Family members"),
        "ethnic_tajik": N_("Tajiks"),
        "ethnic_hazara": N_("Hazaras"),
        "journalists": N_("Journalists"),
        "human_rights_defenders": N_("Human rights defenders"),
        "detainees": N_("Detainees"),
    },
    # Each takes the number as %(count)s.
    "count_qualifier": {
        "exact": N_("exactly %(count)s"),
        "at_least": N_("at least %(count)s"),
        "more_than": N_("more than %(count)s"),
        "approximately": N_("about %(count)s"),
        "vague": N_("at least %(count)s (the text gives no exact number)"),
    },
    "review_status": {
        "candidate": N_("Candidate"),
        "accepted": N_("Accepted"),
        "rejected": N_("Rejected"),
    },
    "confidentiality": {
        "public": N_("Public"),
        "restricted": N_("Restricted"),
        "confidential": N_("Confidential"),
    },
    "stance": {
        "denial": N_("Denial"),
        "assurance": N_("Assurance"),
        "acknowledgement": N_("Acknowledgement"),
        "allegation": N_("Allegation"),
        "other": N_("Other statement"),
    },
    "role": {
        "admin": N_("Administrator"),
        "investigator": N_("Investigator"),
        "analyst": N_("Analyst"),
        "legal": N_("Legal adviser"),
        "viewer": N_("Viewer"),
    },
    "fact_kind": {
        "act": N_("Violation"),
        "person": N_("Person"),
        "claim": N_("Statement"),
    },
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, str | None], str]:
    """A `label(kind, code)` function that names a code in the language of `gettext`."""

    def label(kind: str, code: str | None) -> str:
        if code is None:
            return ""
        message = LABELS.get(kind, {}).get(code)
        return gettext(message) if message else code

    return label
