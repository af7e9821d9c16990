"""Finishing the tagged PDFs WeasyPrint writes, towards PDF/UA.

WeasyPrint (``pdf_variant="pdf/ua-1"``) tags the document's structure and writes the XMP metadata
with its title, but two things a screen reader relies on are left to us:

- table header cells carry no ``Scope``, so a reader cannot tell a column's heading from a row's:
  a ``TH`` in a table head (or any ``TH`` of a row without data cells) heads its column, a ``TH``
  beside data cells heads its row;
- page furniture (the running footer: title, page number, reference codes) is marked content that
  belongs to no structure element; PDF/UA wants it marked as an ``Artifact``, which readers skip.

Both are fixed here on the finished file, with pypdf.
"""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
)

from survey import progress


def finish_tags(pdf: bytes) -> bytes:
    """``pdf`` with Scope on its table headers and its untagged page furniture as artifacts."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    tree = writer.root_object.get("/StructTreeRoot")
    if tree is None:
        progress.step(len(writer.pages))  # nothing to finish on any page
        return pdf
    used: dict[Any, set[int]] = {}
    _walk(tree.get_object(), used)
    for page in writer.pages:
        reference = page.indirect_reference
        _artifacts(page, used.get(reference.idnum, set()) if reference is not None else set())
        progress.step()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _children(element: DictionaryObject) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    kids = kids.get_object()
    return list(kids) if isinstance(kids, ArrayObject) else [kids]


def _walk(element: DictionaryObject, used: dict[Any, set[int]]) -> None:
    """Give each TH its Scope and note, per page, the marked content the structure reaches."""
    page = element.get("/Pg")
    if element.get("/S") == "/TH":
        element[NameObject("/A")] = DictionaryObject(
            {NameObject("/O"): NameObject("/Table"), NameObject("/Scope"): _scope(element)}
        )
    for kid in _children(element):
        if isinstance(kid, IndirectObject):
            kid = kid.get_object()
        if isinstance(kid, int):
            if page is not None:
                used.setdefault(page.idnum, set()).add(int(kid))
        elif isinstance(kid, DictionaryObject):
            if kid.get("/Type") == "/MCR":
                owner = kid.get("/Pg", page)
                if owner is not None:
                    used.setdefault(owner.idnum, set()).add(int(kid["/MCID"]))  # type: ignore[call-overload]
            elif "/S" in kid:
                _walk(kid, used)


def _scope(th: DictionaryObject) -> NameObject:
    row = th.get("/P")
    row = row.get_object() if row is not None else None
    section = row.get("/P").get_object() if row is not None and "/P" in row else None
    if section is not None and section.get("/S") == "/THead":
        return NameObject("/Column")
    cells = [k.get_object() for k in _children(row)] if row is not None else []
    has_data = any(isinstance(c, DictionaryObject) and c.get("/S") == "/TD" for c in cells)
    return NameObject("/Row" if has_data else "/Column")


_MARKED = re.compile(rb"/[A-Za-z]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _artifacts(page: Any, used: set[int]) -> None:
    """Mark content no structure element reaches (the page's margin boxes) as an Artifact.

    A byte-level rewrite of each ``/Tag <</MCID n>> BDC`` no element names: parsing the whole
    content stream into operations would take seconds on a long questionnaire."""
    contents = page.get("/Contents")
    if contents is None:
        return
    streams = contents.get_object()
    for stream in streams if isinstance(streams, ArrayObject) else [streams]:
        stream = stream.get_object()
        data = stream.get_data()
        new = _MARKED.sub(
            lambda m: m.group(0) if int(m.group(1)) in used else b"/Artifact BMC", data
        )
        if new != data:
            stream.set_data(new)
