"""PDFs generated for tests and benchmarks (fpdf2 writes them, pypdf encrypts them).

    make_pdf([["First paragraph.", "Second."], ["Page two's paragraph."]],
             title="…", header="Riverside Press Office", page_numbers=True)

Each inner list is one page; each string one paragraph, wrapped by fpdf2 at the page width
with a blank gap after it. A "\\n" inside a paragraph forces a line break there (to place a
hyphenated word at a line end). Also: article_pdf() (the page server's /article as a press
release), report_pdf(n), encrypted(), blank_pages(n), scanned_pdf(), and raw_pdf() with
text_stream()/zero_bomb() for hand-built hostile files.
"""

from __future__ import annotations

import io
import random
import zlib
from collections.abc import Sequence

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from testsupport.pages import ARTICLE_PARAGRAPHS, ARTICLE_TITLE

# Latin-1 only: fpdf2's built-in Helvetica has no other characters.
_WORDS = (
    "the council said on Monday that a new bridge would open next year while critics argued "
    "about its cost and the mayor promised an independent audit of every contract signed by "
    "the city since the project began in spring with support from regional government"
).split()


class _Pages(FPDF):
    def __init__(self, header: str, page_numbers: bool) -> None:
        super().__init__(format="A4")
        self.running_header = header
        self.page_numbers = page_numbers
        self.set_auto_page_break(auto=True, margin=20)

    def header(self) -> None:
        if self.running_header:
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, self.running_header, new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def footer(self) -> None:
        if self.page_numbers:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def make_pdf(
    pages: Sequence[Sequence[str]],
    *,
    title: str = "",
    author: str = "",
    heading: str = "",
    header: str = "",
    page_numbers: bool = False,
) -> bytes:
    """A text PDF: `heading` in bold on page one, then each page's paragraphs."""
    pdf = _Pages(header, page_numbers)
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    for number, paragraphs in enumerate(pages):
        pdf.add_page()
        if number == 0 and heading:
            pdf.set_font("Helvetica", style="B", size=16)
            pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_font("Helvetica", size=11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


def article_pdf() -> bytes:
    """The page server's /article as a two-page press release PDF (same title and paragraphs)."""
    return make_pdf(
        [list(ARTICLE_PARAGRAPHS[:2]), list(ARTICLE_PARAGRAPHS[2:])],
        title=ARTICLE_TITLE,
        author="Riverside Press Office",
        header="City of Riverside - Press Office",
        page_numbers=True,
    )


def filler_paragraphs(count: int, *, seed: int = 0, words: int = 60) -> list[str]:
    """`count` distinct sentences-of-words paragraphs (deterministic for a seed)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = " ".join(rng.choice(_WORDS) for _ in range(words))
        out.append(text[0].upper() + text[1:] + ".")
    return out


def report_pdf(pages: int, *, seed: int = 0) -> bytes:
    """A long report: `pages` pages of three paragraphs each, running header and page numbers."""
    return make_pdf(
        [filler_paragraphs(3, seed=seed * 100_003 + n, words=110) for n in range(pages)],
        title="Annual report on the river crossing",
        header="Riverside City Council - Annual Report 2024",
        page_numbers=True,
    )


def encrypted(data: bytes, *, user_password: str, owner_password: str = "owner") -> bytes:
    """`data` encrypted with AES-256; an empty user password only restricts permissions."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pages(count: int) -> bytes:
    """A PDF of `count` empty pages (cheap: the page-count guard needs no text)."""
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf(pages: int = 2) -> bytes:
    """Pages that are only images, as a scanner makes them: no text layer at all."""
    from PIL import Image, ImageDraw

    pdf = FPDF(format="A4")
    for n in range(pages):
        image = Image.new("L", (400, 560), color=255)
        draw = ImageDraw.Draw(image)
        for row in range(20, 540, 18):  # grey bars where the scanned lines of text would be
            draw.rectangle((30, row, 370 - (row * 7 + n) % 60, row + 8), fill=60)
        pdf.add_page()
        pdf.image(image, x=10, y=10, w=190)
    return bytes(pdf.output())


def raw_pdf(contents: Sequence[bytes]) -> bytes:
    """A hand-built PDF whose pages draw the given (already Flate-compressed) content streams in
    Helvetica: for files no writer would make, such as decompression bombs."""
    count = len(contents)
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(count)).encode()
    font = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
    ]
    for n, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources %s >>" % (4 + 2 * n, font)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
            + content
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def text_stream(sentences: Sequence[str]) -> bytes:
    """A compressed content stream that prints each sentence on its own line."""
    ops = b"".join(
        b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n" % (780 - 14 * (n % 50), s.encode("latin-1"))
        for n, s in enumerate(sentences)
    )
    return zlib.compress(ops, 9)


def zero_bomb(size: int) -> bytes:
    """A content stream of `size` spaces, compressed about a thousandfold."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    out = [packer.compress(chunk) for _ in range(size >> 20)]
    return b"".join([*out, packer.flush()])
