"""The officials' summary: one A4 page (two when the caveats need them) in Russian (default),
Kazakh or English.

Laid out with fpdf2, which embeds subsets of DejaVu Sans (shipped inside matplotlib): the
font covers Cyrillic, the Kazakh letters (Ә Ғ Қ Ң Ө Ұ Ү Һ І) and the tenge sign ₸, so the PDF
reads the same on every machine. Content: the headline per city with its range (for a
comparison design also what the city was compared with: the donors with the largest weights,
cities the inflow did not reach), one chart
(observed against expected without the shock, with its band; the legend below the panels,
off the data), a small table of median rents before and after with a sentence on why its
change differs from the headline, what the number means and does not mean, the caveats, and
the sources, span, gaps and date of the data. Data from the sandbox carry the SIMULATED DATA
mark, in the report's language, at the top of every page and across it.

Page fitting: the page is laid out with the roomiest of :data:`LAYOUTS` that fits on one page
(a smaller chart and type first); when none does, the last one is used and no paragraph,
bullet or table is split across the page break, nor a heading left at the foot of a page.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from reports import figures, narrative
from reports import phrases as P
from reports.facts import ReportData, RoomMedians
from reports.formatting import Lang, format_date, format_number, format_percent, format_tenge

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# A median from fewer listings than this is shown as "—" in the officials' table.
MIN_TABLE_LISTINGS = 5
# Table amounts are rounded to the nearest thousand tenge, as asking rents are quoted.
TABLE_ROUNDING = 1000

MARK_RGB = (192, 57, 43)
GREY_RGB = (90, 90, 90)
TABLE_ROOMS = (1, 2, 3)


@cache
def _page_mark(lang: Lang, width_mm: float, height_mm: float) -> bytes:
    return figures.page_mark_png(lang, width_in=width_mm / 25.4, height_in=height_mm / 25.4)


class SummaryPDF(FPDF):
    """A4 portrait with the SIMULATED DATA mark (when due) and a footer on every page."""

    def __init__(
        self, *, lang: Lang, simulated: bool, footer_text: str, draw_mark: bool = True
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang: Lang = lang
        self.simulated = simulated
        self.footer_text = footer_text
        # Trial layouts only measure: the diagonal mark takes no room, so it is not drawn.
        self.mark_png = _page_mark(lang, self.w, self.h) if simulated and draw_mark else b""
        for style, name in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, FONT_DIR / name)
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(auto=True, margin=16)

    def header(self) -> None:
        if not self.simulated:
            return
        # Across the page first, so everything drawn later sits on top of it.
        if self.mark_png:
            self.image(io.BytesIO(self.mark_png), x=0, y=0, w=self.w, h=self.h)
        mark = P.SIMULATED_MARK[self.lang]
        self.set_font(FONT_FAMILY, "B", 11)
        self.set_text_color(*MARK_RGB)
        self.set_draw_color(*MARK_RGB)
        self.cell(0, 8, mark, border=1, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_draw_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, "", 7)
        self.set_text_color(*GREY_RGB)
        self.cell(0, 5, self.footer_text.format(page=self.page_no()), align="C")
        self.set_text_color(0, 0, 0)

    def text_height(self, text: str, *, size: float, bold: bool = False, width: float = 0) -> float:
        """The height ``text`` takes as a paragraph of ``size`` points (mm)."""
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        height = self.multi_cell(width, size * 0.5, text, align="L", dry_run=True,
                                 output=MethodReturnValue.HEIGHT)  # fmt: skip
        return float(height)  # type: ignore[arg-type]

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit on this one."""
        if self.will_page_break(height):
            self.add_page()

    def paragraph(
        self,
        text: str,
        *,
        size: float = 9.5,
        bold: bool = False,
        grey: bool = False,
        gap: float = 1.5,
        keep_with: float = 0.0,
    ) -> None:
        """A paragraph, moved whole to the next page if it does not fit (with ``keep_with``
        mm of what follows it: a heading stays with its first line)."""
        self.keep(self.text_height(text, size=size, bold=bold) + keep_with)
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        if grey:
            self.set_text_color(*GREY_RGB)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(gap)

    def bullet_height(self, item: str, size: float) -> float:
        return self.text_height(item, size=size, width=self.epw - BULLET_INDENT) + BULLET_GAP

    def bullets(self, items: list[str], *, size: float = 9) -> None:
        """A list; each bullet is moved whole to the next page if it does not fit."""
        for item in items:
            self.keep(self.bullet_height(item, size))
            self.set_font(FONT_FAMILY, "", size)
            self.set_x(self.l_margin)
            self.cell(BULLET_INDENT, size * 0.5, "•")
            self.multi_cell(0, size * 0.5, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(BULLET_GAP)
        self.ln(1)

    def section(self, title: str, items: list[str], *, size: float, title_size: float) -> None:
        """A heading and its bullets; the heading never stays alone at a page's foot."""
        first = self.bullet_height(items[0], size) if items else 0.0
        self.paragraph(title, size=title_size, bold=True, gap=1, keep_with=first)
        self.bullets(items, size=size)


CHART_WIDTH_IN = 7.5
# A 1×1 white PNG: holds the chart's place while trial layouts are measured.
_BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)
BULLET_INDENT = 5.0
BULLET_GAP = 0.8


@dataclass(frozen=True)
class Layout:
    """Sizes of one attempt at the page: the chart's height (inches, 7.5 wide), the type
    (points: title, body, notes) and the space after blocks (mm)."""

    chart_height: float
    title: float
    body: float
    small: float
    gap: float


# Roomiest first; the first that fits on one page is used, the first of all when none does
# (then the page break falls between whole blocks).
LAYOUTS: tuple[Layout, ...] = (
    Layout(chart_height=3.2, title=14.0, body=9.5, small=8.0, gap=3.0),
    Layout(chart_height=2.9, title=14.0, body=9.0, small=7.5, gap=2.2),
    Layout(chart_height=2.6, title=13.0, body=8.5, small=7.0, gap=1.6),
    Layout(chart_height=2.4, title=12.5, body=8.0, small=7.0, gap=1.2),
    Layout(chart_height=2.2, title=12.0, body=8.0, small=6.5, gap=1.0),
    # A comparison design's page says what each city was compared with: one step smaller.
    Layout(chart_height=2.0, title=12.0, body=7.5, small=6.5, gap=0.8),
)


def _median_cell(value: float | None, n: int, lang: Lang) -> str:
    if value is None or n < MIN_TABLE_LISTINGS:
        return "—"
    return format_tenge(value, lang, round_to=TABLE_ROUNDING)


def _change_cell(m: RoomMedians, lang: Lang) -> str:
    shown = m.n_before >= MIN_TABLE_LISTINGS and m.n_after >= MIN_TABLE_LISTINGS
    if not shown or m.change_pct is None:
        return "—"
    return format_percent(m.change_pct, lang, decimals=1, sign=True)


def _table_rows(data: ReportData, lang: Lang) -> list[tuple[str, ...]]:
    """One row per room count, the cities side by side: before, after, change for each."""
    by_key = {(m.city, m.rooms): m for m in data.medians}
    rows: list[tuple[str, ...]] = []
    for rooms in TABLE_ROOMS:
        cells = [format_number(rooms, lang)]
        found = False
        for city in data.cities:
            m = by_key.get((city, rooms))
            if m is None:
                cells += ["—", "—", "—"]
                continue
            found = True
            cells += [
                _median_cell(m.before_kzt, m.n_before, lang),
                _median_cell(m.after_kzt, m.n_after, lang),
                _change_cell(m, lang),
            ]
        if found:
            rows.append(tuple(cells))
    return rows


def _draw_table(pdf: SummaryPDF, data: ReportData, rows: list[tuple[str, ...]], lang: Lang,
                *, size: float, line_height: float) -> None:  # fmt: skip
    """The medians table: a heading row of cities over (before, after, change) columns."""
    head = P.TABLE_HEAD[lang]
    groups = len(data.cities)
    rooms_width = 16.0
    width = min(pdf.epw, rooms_width + 81.0 * groups)
    cell = (width - rooms_width) / (3 * groups)
    pdf.set_font(FONT_FAMILY, "", size)
    with pdf.table(
        col_widths=(rooms_width, *([cell] * 3 * groups)),
        text_align=("CENTER", *(["RIGHT"] * 3 * groups)),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        num_heading_rows=2,
        line_height=line_height,
        width=width,
        align="LEFT",
    ) as table:
        top = table.row()
        top.cell(head[1], rowspan=2, align="CENTER")
        for city in data.cities:
            top.cell(narrative.city_name(city, lang), colspan=3, align="CENTER")
        sub = table.row()
        for _ in data.cities:
            for name in head[2:]:
                sub.cell(name, align="CENTER")
        for row in rows:
            table.row(row)


def _sources_text(data: ReportData, lang: Lang) -> str:
    parts = [narrative.data_sentence(data.coverage, lang)]
    estimates = [data.estimates[c] for c in data.cities]
    for extra in (narrative.span_sentence(estimates, data.coverage, lang),
                  narrative.gaps_sentence(data.coverage, lang)):  # fmt: skip
        if extra:
            parts.append(extra)
    return " ".join(parts)


def _document(
    data: ReportData, *, lang: Lang, made: date, version: str, trial: bool = False
) -> SummaryPDF:
    pdf = SummaryPDF(
        lang=lang,
        simulated=data.simulated,
        footer_text=P.FOOTER[lang].format(
            version=version, made=format_date(made, lang), page="{page}"
        ),
        draw_mark=not trial,
    )
    pdf.set_lang(lang)
    pdf.set_title(narrative.title(data.cities, data.estimates[data.cities[0]], lang))
    pdf.set_creator(f"rentwatch {version}")
    return pdf


def _render(
    pdf: SummaryPDF, data: ReportData, *, lang: Lang, layout: Layout, draw_chart: bool = True
) -> int:
    """Lay the summary out from a new page of ``pdf``; returns the pages it took."""
    estimates = [data.estimates[c] for c in data.cities]
    first = estimates[0]
    body, small, gap = layout.body, layout.small, layout.gap
    pdf.add_page()
    first_page = pdf.page_no()

    pdf.paragraph(narrative.title(data.cities, first, lang), size=layout.title, bold=True, gap=gap)
    for est in estimates:
        pdf.paragraph(narrative.headline(est, lang), size=body + 1.5, bold=True, gap=1)
        details = [narrative.interval_sentence(est, lang)]
        for extra in (narrative.kzt_sentence(est, lang), narrative.compared_with(est, lang)):
            if extra:
                details.append(extra)
        pdf.paragraph(" ".join(details), size=body, gap=gap)

    width = pdf.epw
    height = width * layout.chart_height / CHART_WIDTH_IN
    if draw_chart:
        fig = figures.effect_chart(estimates, lang, simulated=data.simulated,
                                   width=CHART_WIDTH_IN, height=layout.chart_height)  # fmt: skip
        png = figures.png_bytes(fig, dpi=200)
    else:
        png = _BLANK_PNG  # a trial layout: the chart's place, not its pixels
    pdf.keep(height + 10)
    pdf.image(io.BytesIO(png), w=width, h=height)
    pdf.ln(1)
    pdf.paragraph(narrative.chart_caption(first, lang), size=small, grey=True, gap=gap)

    rows = _table_rows(data, lang)
    if rows:
        line_height = 5.0 if layout.body < 9.5 else 5.5
        title = narrative.table_title(first, lang)
        pdf.keep(pdf.text_height(title, size=body + 0.5, bold=True)
                 + line_height * (len(rows) + 2) + 4)  # fmt: skip
        pdf.paragraph(title, size=body + 0.5, bold=True, gap=1)
        _draw_table(pdf, data, rows, lang, size=body - 0.5, line_height=line_height)
        pdf.ln(1)
        note = narrative.table_note(MIN_TABLE_LISTINGS, lang)
        reconcile = narrative.table_vs_headline(first, data.medians, lang)
        if reconcile:
            note = f"{note} {reconcile}"
        pdf.paragraph(note, size=small, grey=True, gap=gap)

    means = narrative.means(first, lang)
    pdf.paragraph(P.MEANS_TITLE[lang], size=body + 1.5, bold=True, gap=1,
                  keep_with=pdf.text_height(means, size=body))  # fmt: skip
    pdf.paragraph(means, size=body, gap=1)
    pdf.paragraph(narrative.method_sentence(first, lang), size=body - 0.5, gap=gap)
    pdf.section(P.NOT_MEANS_TITLE[lang], list(P.NOT_MEANS[lang]), size=body - 0.5,
                title_size=body + 1.5)  # fmt: skip
    if data.caveats:
        pdf.section(P.CAVEATS_TITLE[lang],
                    narrative.caveat_sentences(data.caveats, lang),
                    size=body - 0.5, title_size=body + 1.5)  # fmt: skip
    sources = _sources_text(data, lang)
    pdf.paragraph(P.SOURCES_TITLE[lang], size=body + 1.5, bold=True, gap=1,
                  keep_with=pdf.text_height(sources, size=body - 0.5))  # fmt: skip
    pdf.paragraph(sources, size=body - 0.5)
    return pdf.page_no() - first_page + 1


def build_summary_pdf(data: ReportData, *, lang: Lang, made: date, version: str) -> bytes:
    """The summary as PDF bytes; ``made`` is the day the report is written (the footer, an
    Almaty calendar day like the data's date). One page with the roomiest layout that fits."""
    # Trial layouts go on one scratch document (fonts parsed once), their pages thrown away.
    scratch = _document(data, lang=lang, made=made, version=version, trial=True)
    fits = (
        layout
        for layout in LAYOUTS
        if _render(scratch, data, lang=lang, layout=layout, draw_chart=False) == 1
    )
    chosen = next(fits, LAYOUTS[0])
    pdf = _document(data, lang=lang, made=made, version=version)
    _render(pdf, data, lang=lang, layout=chosen)
    return bytes(pdf.output())
