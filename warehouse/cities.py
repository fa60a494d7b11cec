"""The city registry: every city the portals list, in one table.

Each city has a canonical code (the warehouse's ``city`` value), its names in Russian, Kazakh
and English, krisha.kz's URL slugs by era (Astana was ``nur-sultan`` from March 2019 until
October 2022), olx.kz's slug where olx is known to list the city, its region, and a role:

- ``treated``: the cities the September 2022 inflow reached first and most (Almaty, Astana);
- ``border``: cities near the Russian border or its crossing points, where krisha.kz's own
  monitoring of late September 2022 saw demand and rents rise by up to 50% (Uralsk, Aktobe,
  Kostanay, Petropavlovsk, Pavlodar) and the towns of the same border regions: a shock of
  their own, so never a comparison;
- ``comparison``: cities the inflow did not reach (krisha.kz: rents "essentially unchanged" in
  Shymkent, Turkestan, Taraz and Kokshetau), sharing the national inflation and the tenge:
  the default donor pool of the comparison designs;
- ``satellite``: towns of a treated city's agglomeration (Kaskelen, Talgar, Konaev next to
  Almaty): their rents follow the treated city through commuters, so they are no comparison.

A role is a judgement, so it is a setting (``[cities] roles``): :meth:`CityRegistry.with_roles`
returns the registry with some roles changed. The krisha slugs of the 34 cities are the
footer links of the real krisha.kz pages of October 2022 and June 2025
(``shared/kz_rents/reference_pages``); eras other than Astana's are marked where inferred.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final, Literal, get_args

from warehouse.errors import RentwatchError

Role = Literal["treated", "border", "comparison", "satellite"]
ROLES: Final[tuple[str, ...]] = get_args(Role)


class UnknownCity(RentwatchError):
    """A city code or name that is not in the registry; the message lists the known codes."""


@dataclass(frozen=True, slots=True)
class KrishaSlug:
    """A krisha.kz city slug and the days it was in use (both inclusive; None = open)."""

    slug: str
    since: date | None = None
    until: date | None = None

    def in_use(self, day: date) -> bool:
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True, slots=True)
class City:
    """One registered city. ``aliases`` are other spellings the portals print."""

    code: str
    name_ru: str
    name_kk: str
    name_en: str
    region: str
    role: Role
    krisha_slugs: tuple[KrishaSlug, ...]
    olx_slug: str | None = None
    aliases: tuple[str, ...] = ()
    satellite_of: str | None = None

    def name(self, lang: str = "en") -> str:
        """The city's name in ``ru``, ``kk`` or ``en``."""
        return {"ru": self.name_ru, "kk": self.name_kk, "en": self.name_en}[lang]

    def krisha_slug(self, day: date | None = None) -> str:
        """krisha's slug on ``day`` (default: today's slug, the last era's)."""
        if day is not None:
            for era in self.krisha_slugs:
                if era.in_use(day):
                    return era.slug
        return self.krisha_slugs[-1].slug

    @property
    def all_krisha_slugs(self) -> tuple[str, ...]:
        """Every slug the city ever had, oldest first, once each (the archive queries all)."""
        return tuple(dict.fromkeys(era.slug for era in self.krisha_slugs))


def _slug(slug: str) -> tuple[KrishaSlug, ...]:
    return (KrishaSlug(slug),)


# Astana: "astana" until the 2019 renaming (23 March 2019), "nur-sultan" until krisha.kz moved
# back (its 13 Oct 2022 pages already link /astana/; the 28 Sep 2022 page still had
# nur-sultan), "astana" since.
_ASTANA_SLUGS: Final = (
    KrishaSlug("astana", until=date(2019, 3, 22)),
    KrishaSlug("nur-sultan", since=date(2019, 3, 23), until=date(2022, 10, 12)),
    KrishaSlug("astana", since=date(2022, 10, 13)),
)
# Kapchagay was renamed Konaev in September 2022 (the 2022 footer reads "Конаеве
# (Капчагай)"); the older slug is inferred from krisha's transliteration (Kostanaj, Semej).
_KONAEV_SLUGS: Final = (
    KrishaSlug("kapchagaj", until=date(2022, 9, 30)),
    KrishaSlug("konaev", since=date(2022, 10, 1)),
)

# The olx slugs given are those seen in olx.kz URLs (alma-ata, pavlodar, petropavlovsk) or
# olx's plain transliteration of the city's name; ``None`` where olx's slug is unknown.
CITIES: Final[tuple[City, ...]] = (
    City("almaty", "Алматы", "Алматы", "Almaty", "Almaty", "treated", _slug("almaty"),
         "alma-ata", ("алма-ата", "alma-ata", "almaty city")),
    City("astana", "Астана", "Астана", "Astana", "Astana", "treated", _ASTANA_SLUGS,
         "astana", ("нур-султан", "nur-sultan", "nursultan", "нурсултан", "nur-sultan city")),
    # Border regions: West Kazakhstan, Aktobe, Kostanay, North Kazakhstan, Pavlodar, Abai,
    # East Kazakhstan, Atyrau.
    City("uralsk", "Уральск", "Орал", "Oral", "West Kazakhstan", "border", _slug("uralsk"),
         "uralsk", ("oral", "орал")),
    City("aksaj", "Аксай", "Ақсай", "Aksay", "West Kazakhstan", "border", _slug("aksaj"),
         "aksay", ("aksay", "aksai")),
    City("aktobe", "Актобе", "Ақтөбе", "Aktobe", "Aktobe", "border", _slug("aktobe"),
         "aktobe", ("актюбинск", "aqtobe")),
    City("kostanaj", "Костанай", "Қостанай", "Kostanay", "Kostanay", "border",
         _slug("kostanaj"), "kostanay", ("kostanay", "qostanay", "кустанай")),
    City("rudnyj", "Рудный", "Рудный", "Rudny", "Kostanay", "border", _slug("rudnyj"),
         "rudnyy", ("rudny", "rudnyy")),
    City("lisakovsk", "Лисаковск", "Лисаков", "Lisakovsk", "Kostanay", "border",
         _slug("lisakovsk"), None),
    City("petropavlovsk", "Петропавловск", "Петропавл", "Petropavl", "North Kazakhstan",
         "border", _slug("petropavlovsk"), "petropavlovsk", ("petropavl", "петропавл")),
    City("pavlodar", "Павлодар", "Павлодар", "Pavlodar", "Pavlodar", "border",
         _slug("pavlodar"), "pavlodar"),
    City("ekibastuz", "Экибастуз", "Екібастұз", "Ekibastuz", "Pavlodar", "border",
         _slug("ekibastuz"), "ekibastuz", ("екибастуз",)),
    City("semej", "Семей", "Семей", "Semey", "Abai", "border", _slug("semej"), "semey",
         ("semey", "семипалатинск")),
    City("ust-kamenogorsk", "Усть-Каменогорск", "Өскемен", "Oskemen", "East Kazakhstan",
         "border", _slug("ust-kamenogorsk"), "ust-kamenogorsk", ("oskemen", "өскемен")),
    City("ridder", "Риддер", "Риддер", "Ridder", "East Kazakhstan", "border", _slug("ridder"),
         None),
    City("atyrau", "Атырау", "Атырау", "Atyrau", "Atyrau", "border", _slug("atyrau"), "atyrau"),
    City("kulsary", "Кульсары", "Құлсары", "Kulsary", "Atyrau", "border", _slug("kulsary"),
         None, ("құлсары",)),
    # Baikonur is leased to and run by Russia: exposed to the ruble and to Russian decisions.
    City("bajkonur", "Байконур", "Байқоңыр", "Baikonur", "Kyzylorda", "border",
         _slug("bajkonur"), None, ("baikonur", "байқоңыр")),
    # Comparison pool: the south, the centre and the Caspian coast.
    City("shymkent", "Шымкент", "Шымкент", "Shymkent", "Shymkent", "comparison",
         _slug("shymkent"), "shymkent", ("чимкент",)),
    City("turkestan", "Туркестан", "Түркістан", "Turkistan", "Turkistan", "comparison",
         _slug("turkestan"), "turkestan", ("turkistan", "түркістан")),
    City("taraz", "Тараз", "Тараз", "Taraz", "Jambyl", "comparison", _slug("taraz"), "taraz"),
    City("kyzylorda", "Кызылорда", "Қызылорда", "Kyzylorda", "Kyzylorda", "comparison",
         _slug("kyzylorda"), "kyzylorda", ("қызылорда",)),
    City("kokshetau", "Кокшетау", "Көкшетау", "Kokshetau", "Akmola", "comparison",
         _slug("kokshetau"), "kokshetau", ("көкшетау",)),
    City("shhuchinsk", "Щучинск", "Щучинск", "Shchuchinsk", "Akmola", "comparison",
         _slug("shhuchinsk"), None, ("shchuchinsk",)),
    City("karaganda", "Караганда", "Қарағанды", "Karaganda", "Karaganda", "comparison",
         _slug("karaganda"), "karaganda", ("qaragandy", "қарағанды")),
    City("temirtau", "Темиртау", "Теміртау", "Temirtau", "Karaganda", "comparison",
         _slug("temirtau"), "temirtau", ("теміртау",)),
    City("shahtinsk", "Шахтинск", "Шахтинск", "Shakhtinsk", "Karaganda", "comparison",
         _slug("shahtinsk"), None, ("shakhtinsk",)),
    City("balhash", "Балхаш", "Балқаш", "Balkhash", "Karaganda", "comparison",
         _slug("balhash"), "balhash", ("balkhash", "балқаш")),
    City("zhezkazgan", "Жезказган", "Жезқазған", "Zhezkazgan", "Ulytau", "comparison",
         _slug("zhezkazgan"), "zhezkazgan", ("жезқазған",)),
    City("aktau", "Актау", "Ақтау", "Aktau", "Mangystau", "comparison", _slug("aktau"),
         "aktau", ("aqtau", "ақтау")),
    City("taldykorgan", "Талдыкорган", "Талдықорған", "Taldykorgan", "Jetisu", "comparison",
         _slug("taldykorgan"), "taldykorgan", ("талдықорған",)),
    # Almaty's agglomeration.
    City("kaskelen", "Каскелен", "Қаскелең", "Kaskelen", "Almaty Region", "satellite",
         _slug("kaskelen"), None, ("қаскелең",), satellite_of="almaty"),
    City("talgar", "Талгар", "Талғар", "Talgar", "Almaty Region", "satellite",
         _slug("talgar"), None, ("талғар",), satellite_of="almaty"),
    City("konaev", "Конаев", "Қонаев", "Konaev", "Almaty Region", "satellite", _KONAEV_SLUGS,
         None, ("капчагай", "kapchagay", "қапшағай", "конаев (капчагай)"), satellite_of="almaty"),
)  # fmt: skip


def _fold(text: str) -> str:
    return " ".join(text.strip().lower().replace("ё", "е").split())


@dataclass(frozen=True)
class CityRegistry:
    """The registered cities, looked up by code or by any of their names and slugs."""

    cities: tuple[City, ...]

    def __post_init__(self) -> None:
        names: dict[str, str] = {}
        for city in self.cities:
            spellings = (
                city.code, city.name_ru, city.name_kk, city.name_en,
                *city.all_krisha_slugs, *(() if city.olx_slug is None else (city.olx_slug,)),
                *city.aliases,
            )  # fmt: skip
            for spelling in spellings:
                key = _fold(spelling)
                if names.setdefault(key, city.code) != city.code:
                    raise ValueError(f"{spelling!r} names both {names[key]} and {city.code}")
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_by_code", {c.code: c for c in self.cities})

    def __iter__(self) -> Iterator[City]:
        return iter(self.cities)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code  # type: ignore[attr-defined]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.cities)

    def resolve(self, text: str) -> str | None:
        """The code of the city ``text`` names (code, name in any language, slug), or None."""
        found: str | None = self._names.get(_fold(text))  # type: ignore[attr-defined]
        return found

    def get(self, text: str) -> City:
        """The city ``text`` names; :class:`UnknownCity` listing the known codes if none."""
        code = self.resolve(text)
        if code is None:
            raise UnknownCity(f"unknown city {text!r}; known: {', '.join(self.codes)}")
        result: City = self._by_code[code]  # type: ignore[attr-defined]
        return result

    def canonical(self, names: Iterable[str]) -> tuple[str, ...]:
        """Codes of ``names`` in order, each once; the first unknown one raises."""
        return tuple(dict.fromkeys(self.get(n).code for n in names))

    def with_role(self, *roles: str) -> tuple[str, ...]:
        """Codes of the cities whose role is one of ``roles``, in registry order."""
        for role in roles:
            if role not in ROLES:
                raise RentwatchError(f"unknown city role {role!r}; known: {', '.join(ROLES)}")
        return tuple(c.code for c in self.cities if c.role in roles)

    @property
    def treated(self) -> tuple[str, ...]:
        return self.with_role("treated")

    @property
    def comparison(self) -> tuple[str, ...]:
        """The default donor pool of the comparison designs."""
        return self.with_role("comparison")

    def with_roles(self, roles: Mapping[str, str]) -> CityRegistry:
        """The registry with the roles in ``roles`` (city -> role) changed."""
        changed = {self.get(city).code: role for city, role in roles.items()}
        for role in changed.values():
            if role not in ROLES:
                raise RentwatchError(f"unknown city role {role!r}; known: {', '.join(ROLES)}")
        if not changed:
            return self
        return CityRegistry(
            tuple(replace(c, role=changed.get(c.code, c.role)) for c in self.cities)  # type: ignore[arg-type]
        )


REGISTRY: Final = CityRegistry(CITIES)
CITY_CODES: Final[tuple[str, ...]] = REGISTRY.codes


def canonical_city(text: str) -> str | None:
    """``"Нур-Султан"`` -> ``"astana"``, ``"Қарағанды"`` -> ``"karaganda"``; None if unknown."""
    return REGISTRY.resolve(text)


def city_code(text: str) -> str:
    """The code of ``text``; :class:`UnknownCity` (one line, known codes listed) if none."""
    return REGISTRY.get(text).code
