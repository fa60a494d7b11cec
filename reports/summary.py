"""The officials' summary: one or two A4 pages in Russian (default), Kazakh or English.

Laid out with fpdf2, which embeds subsets of DejaVu Sans (shipped inside matplotlib): the
font covers Cyrillic, the Kazakh letters (Ә Ғ Қ Ң Ө Ұ Ү Һ І) and the tenge sign ₸, so the PDF
reads the same on every machine. Pages: the headline per city with its range, one chart
(observed against expected without the shock, with its band), a small table of median rents
before and after, what the number means and does not mean, the caveats, and the sources,
coverage and date of the data. Data from the sandbox carry the SIMULATED DATA mark, in the
report's language, at the top of every page and across it.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from reports import figures, narrative
from reports import phrases as P
from reports.facts import ReportData
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


class SummaryPDF(FPDF):
    """A4 portrait with the SIMULATED DATA mark (when due) and a footer on every page."""

    def __init__(self, *, lang: Lang, simulated: bool, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang: Lang = lang
        self.simulated = simulated
        self.footer_text = footer_text
        self.mark_png = (
            figures.page_mark_png(lang, width_in=self.w / 25.4, height_in=self.h / 25.4)
            if simulated
            else b""
        )
        for style, name in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, FONT_DIR / name)
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(auto=True, margin=16)

    def header(self) -> None:
        if not self.simulated:
            return
        # Across the page first, so everything drawn later sits on top of it.
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

    def paragraph(self, text: str, *, size: float = 9.5, bold: bool = False,
                  grey: bool = False, gap: float = 1.5) -> None:  # fmt: skip
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        if grey:
            self.set_text_color(*GREY_RGB)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(gap)

    def bullets(self, items: list[str], *, size: float = 9) -> None:
        self.set_font(FONT_FAMILY, "", size)
        for item in items:
            self.set_x(self.l_margin)
            self.cell(5, size * 0.5, "•")
            self.multi_cell(0, size * 0.5, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(0.8)
        self.ln(1)


def _median_cell(value: float | None, n: int, lang: Lang) -> str:
    if value is None or n < MIN_TABLE_LISTINGS:
        return "—"
    return format_tenge(value, lang, round_to=TABLE_ROUNDING)


def _table_rows(data: ReportData, lang: Lang) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for m in data.medians:
        if m.rooms not in TABLE_ROOMS:
            continue
        shown = m.n_before >= MIN_TABLE_LISTINGS and m.n_after >= MIN_TABLE_LISTINGS
        change = m.change_pct
        rows.append(
            (
                narrative.city_name(m.city, lang),
                format_number(m.rooms, lang),
                _median_cell(m.before_kzt, m.n_before, lang),
                _median_cell(m.after_kzt, m.n_after, lang),
                format_percent(change, lang, decimals=1, sign=True)
                if shown and change is not None
                else "—",
            )
        )
    return rows


def build_summary_pdf(data: ReportData, *, lang: Lang, made: date, version: str) -> bytes:
    """The summary as PDF bytes; ``made`` is the day the report is written (the footer)."""
    estimates = [data.estimates[c] for c in data.cities]
    first = estimates[0]
    pdf = SummaryPDF(
        lang=lang,
        simulated=data.simulated,
        footer_text=P.FOOTER[lang].format(
            version=version, made=format_date(made, lang), page="{page}"
        ),
    )
    pdf.set_lang(lang)
    pdf.set_title(narrative.title(data.cities, first, lang))
    pdf.set_creator(f"rentwatch {version}")
    pdf.add_page()

    pdf.paragraph(narrative.title(data.cities, first, lang), size=14, bold=True, gap=3)
    for est in estimates:
        pdf.paragraph(narrative.headline(est, lang), size=11, bold=True, gap=1)
        details = [narrative.interval_sentence(est, lang)]
        kzt = narrative.kzt_sentence(est, lang)
        if kzt:
            details.append(kzt)
        pdf.paragraph(" ".join(details), size=9.5, gap=3)

    fig = figures.effect_chart(estimates, lang, simulated=data.simulated)
    width = pdf.epw
    height = width * fig.get_figheight() / fig.get_figwidth()
    if pdf.will_page_break(height + 10):
        pdf.add_page()
    pdf.image(io.BytesIO(figures.png_bytes(fig, dpi=200)), w=width, h=height)
    pdf.ln(1)
    pdf.paragraph(narrative.chart_caption(first, lang), size=8, grey=True, gap=3)

    rows = _table_rows(data, lang)
    if rows:
        pdf.paragraph(narrative.table_title(first, lang), size=10, bold=True, gap=1)
        pdf.set_font(FONT_FAMILY, "", 9)
        with pdf.table(
            col_widths=(30, 18, 34, 34, 26),
            text_align=("LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT"),
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
            line_height=5.5,
            width=142,
            align="LEFT",
        ) as table:
            table.row(P.TABLE_HEAD[lang])
            for row in rows:
                table.row(row)
        pdf.ln(1)
        pdf.paragraph(narrative.table_note(MIN_TABLE_LISTINGS, lang), size=8, grey=True, gap=3)

    pdf.paragraph(P.MEANS_TITLE[lang], size=11, bold=True, gap=1)
    pdf.paragraph(narrative.means(first, lang), gap=1)
    pdf.paragraph(narrative.method_sentence(first, lang), size=9, gap=3)
    pdf.paragraph(P.NOT_MEANS_TITLE[lang], size=11, bold=True, gap=1)
    pdf.bullets(list(P.NOT_MEANS[lang]))
    if data.caveats:
        pdf.paragraph(P.CAVEATS_TITLE[lang], size=11, bold=True, gap=1)
        pdf.bullets([narrative.caveat_sentence(c, lang) for c in data.caveats])
    pdf.paragraph(P.SOURCES_TITLE[lang], size=11, bold=True, gap=1)
    pdf.paragraph(narrative.data_sentence(data.coverage, lang), size=9)
    return bytes(pdf.output())
