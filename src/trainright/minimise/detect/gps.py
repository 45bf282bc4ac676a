"""GPS coordinates in the common written forms: decimal pairs, degrees-minutes-seconds,
hemisphere letters before or after (N/S, E/W, Norwegian Ø/V, Dutch O/W), lat/lon keywords."""

from __future__ import annotations

import re

from trainright.minimise.detect.base import DIGIT_RUN, Detector, Hit

_DEG = r"\d{1,3}(?:[.,]\d+)?\s?°?"
_DMS = (
    r"\d{1,3}\s?°\s?(?:\d{1,2}(?:[.,]\d+)?\s?['′’]\s?(?:\d{1,2}(?:[.,]\d+)?\s?(?:[\"″”]|''|′′))?)?"
)
_NS, _EW = r"[NS]", r"[EWØVO]"
_LAT = r"(?i:lat(?:itude)?|breddegrad|breedtegraad)"
_LON = r"(?i:lon(?:g(?:itude)?)?|lng|lengdegrad|lengtegraad)"
PATTERN = re.compile(
    rf"""(?x:
    (?<![\w.])
    (?:
      (?P<dms>{_DMS}\s?{_NS}\s*[,;]?\s*{_DMS}\s?{_EW})
    | (?P<pre>{_NS}\s?(?:{_DMS}|{_DEG})\s*[,;]?\s*{_EW}\s?(?:{_DMS}|{_DEG}))
    | (?P<post>{_DEG}\s?{_NS}\s*[,;]?\s*{_DEG}\s?{_EW})
    | (?P<kw>{_LAT}\s*[:=]?\s*-?{_DEG}\s*[,;]?\s*{_LON}\s*[:=]?\s*-?{_DEG})
    | (?P<pair>(?P<lat>-?\d{{1,2}}\.\d{{3,}})(?:\s*,\s*|\s+(?=-?\d{{1,3}}\.\d{{4}}))(?P<lon>-?\d{{1,3}}\.\d{{3,}}))
    )
    (?![\w]|\.\d)
    )""",
)


def _valid(match: re.Match[str]) -> Hit | None:
    if match.group("pair") is not None:
        lat, lon = match.group("lat"), match.group("lon")
        if abs(float(lat)) > 90 or abs(float(lon)) > 180:
            return None
        # Followed by ",<digit>": a list of prices ("12.500, 13.750, 14.000") unless both have
        # four decimals or more, as in a map link ("@59.9139,10.7522,15z").
        if (
            re.match(r",\s*\d", match.string[match.end() :])
            and min(len(lat.split(".")[1]), len(lon.split(".")[1])) < 4
        ):
            return None
    elif re.match(r"[.,]\d", match.string[match.end() :]):
        return None
    return (*match.span(), True)


GPS = Detector(
    category="gps",
    placeholder="[GPS]",
    locator=(
        DIGIT_RUN,
        r"\d{1,3} ?°[\d \t.,'′’\"″]{0,16}[NS][ \t,;]*\d{1,3} ?°[\d \t.,'′’\"″]{0,16}[EWØVO]",
        r"\d{1,3}(?:[.,]\d+)? ?°? ?[NS][ \t,;]*\d{1,3}(?:[.,]\d+)? ?°? ?[EWØVO]",
        r"\b[NS] ?\d{1,2}[.,°]\d+°?[\s,;]*[EWØVO] ?\d{1,3}[.,°]\d*",
        r"(?i:lat\w*|breddegrad|breedtegraad)[\s:=]*-?\d[\d.,°]*[\s,;]*"
        r"(?i:lon\w*|lng|lengdegrad|lengtegraad)[\s:=]*-?\d[\d.,°]*",
    ),
    pattern=PATTERN,
    valid=_valid,
    # a hemisphere letter, a latitude keyword, or a decimal pair's three decimals
    needs=re.compile(rf"[NS]|{_LAT}|\.\d{{3}}"),
)
