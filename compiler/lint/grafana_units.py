"""The unit ids Grafana formats: its value-format categories (grafana/grafana,
packages/grafana-data/src/valueFormats/categories.ts; Boolean, IEC data rates and the
local/system date formats from later releases), plus the custom-unit prefixes its unit picker
accepts. A unit id outside these is shown as the raw number with the id appended
as text ("0.0023 notaunit").
"""
from __future__ import annotations

CATEGORIES = {
    "Misc": "none string short percent percentunit humidity dB hex0x hex sci locale pixel",
    "Acceleration": "accMS2 accFS2 accG",
    "Angle": "degree radian grad arcmin arcsec",
    "Area": "areaM2 areaF2 areaMI2",
    "Boolean": "bool bool_yes_no bool_on_off",
    "Computation": "flops mflops gflops tflops pflops eflops zflops yflops",
    "Concentration": "ppm conppb conngm3 conngNm3 conμgm3 conμgNm3 conmgm3 conmgNm3 congm3 congNm3 conmgdL conmmolL",
    "Currency": "currencyUSD currencyGBP currencyEUR currencyJPY currencyRUB currencyUAH currencyBRL currencyDKK "
                "currencyISK currencyNOK currencySEK currencyCZK currencyCHF currencyPLN currencyBTC currencymBTC "
                "currencyμBTC currencyZAR currencyINR currencyKRW",
    "Data (IEC)": "bits bytes kbytes mbytes gbytes tbytes pbytes",
    "Data (metric)": "decbits decbytes deckbytes decmbytes decgbytes dectbytes decpbytes",
    "Data rate": "pps bps Bps KBs Kbits MBs Mbits GBs Gbits TBs Tbits PBs Pbits binBps binbps",
    "Date & time": "dateTimeAsIso dateTimeAsIsoNoDateIfToday dateTimeAsUS dateTimeAsUSNoDateIfToday dateTimeAsLocal "
                   "dateTimeAsLocalNoDateIfToday dateTimeAsSystem dateTimeFromNow",
    "Energy": "watt kwatt megwatt gwatt mwatt Wm2 voltamp kvoltamp voltampreact kvoltampreact watth watthperkg kwatth "
              "kwattm amph kamph mamph joule ev amp kamp mamp volt kvolt mvolt dBm ohm kohm Mohm farad µfarad "
              "nfarad pfarad ffarad henry mhenry µhenry lumens",
    "Flow": "flowgpm flowcms flowcfs flowcfm litreh flowlpm flowmlpm lux",
    "Force": "forceNm forcekNm forceN forcekN",
    "Hash rate": "Hs KHs MHs GHs THs PHs EHs",
    "Mass": "massmg massg masskg masst",
    "Length": "lengthmm lengthft lengthm lengthkm lengthmi",
    "Pressure": "pressurembar pressurebar pressurekbar pressurepa pressurehpa pressurekpa pressurehg pressurepsi",
    "Radiation": "radbq radci radgy radrad radsv radmsv radusv radrem radexpckg radr radsvh radmsvh radusvh",
    "Rotational Speed": "rotrpm rothz rotrads rotdegs",
    "Temperature": "celsius fahrenheit kelvin",
    "Time": "hertz ns µs ms s m h d dtdurationms dtdurations dthms dtdhms timeticks clockms clocks",
    "Throughput": "cps ops reqps rps wps iops cpm opm rpm wpm",
    "Velocity": "velocityms velocitykmh velocitymph velocityknot",
    "Volume": "mlitre litre m3 Nm3 dm3 gallons",
}
UNITS = frozenset(unit for ids in CATEGORIES.values() for unit in ids.split())
# Custom units: `suffix:req`, `prefix:$`, `si:B`, `count:jobs`, `currency:CHF`, `time:YYYY-MM-DD`.
CUSTOM_PREFIXES = ("suffix:", "prefix:", "si:", "count:", "currency:", "time:")


def known(unit: str) -> bool:
    return unit in UNITS or (unit.startswith(CUSTOM_PREFIXES) and unit.partition(":")[2] != "")
