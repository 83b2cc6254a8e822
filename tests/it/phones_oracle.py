"""libphonenumber's answers (Debian's python3-phonenumbers) for numbers written the ways people
write them, in countries a seller calls: the oracle for ringback's phone rules.

Prints one JSON object per line: {"region", "me", "cases": [...]}. `me` is a number of the
region (ringback reads numbers written without their country code in me.phone's country). Each
case is {"text", "possible", "why"} and, when possible, {"e164", "extension", "international",
"valid"}: "possible" is libphonenumber's IS_POSSIBLE (not IS_POSSIBLE_LOCAL_ONLY), which a
dialler abroad can call; "international" is INTERNATIONAL without the extension.
"""

import json
import sys

import phonenumbers as p
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T, ValidationResult as V

REGIONS = [
    "US", "CA", "GB", "IE", "DE", "FR", "IT", "ES", "NL", "CH", "SE", "PL", "RU", "TR", "IN", "AU",
    "NZ", "JP", "KR", "CN", "SG", "BR", "AR", "ZA", "AE", "SA", "IL", "MX",
]


def written(number, region, kind):
    """The ways a seller's book or CRM writes one number."""
    e164 = p.format_number(number, F.E164)
    intl = p.format_number(number, F.INTERNATIONAL)
    national = p.format_number(number, F.NATIONAL)
    nsn = p.national_significant_number(number)
    cc = str(number.country_code)
    meta = p.PhoneMetadata.metadata_for_region(region)
    ways = [e164, intl, intl.replace(" ", "-"), p.format_number(number, F.RFC3966), national,
            national.replace(" ", ".").replace("-", ".")]
    if meta.national_prefix == "0" and national.startswith("0"):
        # `+44 (0)20 7946 0011`: the trunk 0 written for callers at home.
        ways.append(f"+{cc} (0){intl[len(cc) + 2:]}")
    if meta.international_prefix and "00" in meta.international_prefix and region != "US":
        ways.append(f"00 {cc} {nsn}")
    if kind == T.FIXED_LINE:
        ways += [f"{intl} x204", f"{intl} ext. 204", f"{e164};ext=204", f"{national} #12"]
    # Digits missing or extra: too short, a local-only number, or too long.
    ways += [f"+{cc} {nsn[:-3]}", f"+{cc} {nsn}0123"]
    return ways


def judge(text, region):
    try:
        number = p.parse(text, region)
    except p.NumberParseException as e:
        return {"text": text, "possible": False, "why": str(e.error_type)}
    reason = p.is_possible_number_with_reason(number)
    if reason != V.IS_POSSIBLE:
        return {"text": text, "possible": False, "why": str(reason)}
    extension = number.extension or None
    bare = p.PhoneNumber(country_code=number.country_code, national_number=number.national_number,
                         italian_leading_zero=number.italian_leading_zero,
                         number_of_leading_zeros=number.number_of_leading_zeros)
    return {"text": text, "possible": True, "why": "", "e164": p.format_number(bare, F.E164),
            "extension": extension, "international": p.format_number(bare, F.INTERNATIONAL),
            "valid": p.is_valid_number(number)}


def main():
    for region in REGIONS:
        me = p.example_number_for_type(region, T.FIXED_LINE)
        texts = []
        for kind in (T.FIXED_LINE, T.MOBILE):
            number = p.example_number_for_type(region, kind)
            if number is not None:
                texts += written(number, region, kind)
        texts += ["call me maybe", "ask reception, ext 204", "n/a"]
        seen = set()
        cases = [judge(t, region) for t in texts if not (t in seen or seen.add(t))]
        print(json.dumps({"region": region, "me": p.format_number(me, F.E164), "cases": cases}))


if __name__ == "__main__":
    sys.exit(main())
