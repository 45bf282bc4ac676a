"""Country codes and the region groups a policy can name (SPEC §4)."""

from __future__ import annotations

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_COUNTRIES: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)

EU27: frozenset[str] = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
#: The European Economic Area: the EU27 plus Iceland, Liechtenstein and Norway.
EEA: frozenset[str] = EU27 | {"IS", "LI", "NO"}
#: The United Kingdom (UK GDPR). The Crown Dependencies have laws of their own.
UK: frozenset[str] = frozenset({"GB"})

GROUPS: dict[str, frozenset[str]] = {"EEA": EEA, "UK": UK}
DEFAULT = "default"


def group_of(country: str) -> str | None:
    """The group a country belongs to, if any."""
    for name, members in GROUPS.items():
        if country in members:
            return name
    return None


def is_region_name(name: str) -> bool:
    """A policy section may be a country code, a group name or `default`."""
    return name in ISO_COUNTRIES or name in GROUPS or name == DEFAULT
