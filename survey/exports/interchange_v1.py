"""Reading a version 1 interchange file: one JSON document, its responses in an array.

Version 1 was written before the interchange became JSON Lines (:mod:`survey.exports.interchange`);
such files still import. The document is read as a stream, one array element at a time, so a
large file is never held whole, whatever its layout (the writer put one response per line, but a
file re-indented by hand reads the same).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from survey.exports.import_checks import ImportProblem, refuse_constant


class DocumentStream:
    """Reads a JSON document whose top level is an object, handing out the ``responses`` array
    one element at a time. ``start`` is text already read from the handle (the first line,
    read to tell the versions apart)."""

    _WS = " \t\r\n"

    def __init__(self, handle: IO[str], chunk: int = 1 << 16, start: str = ""):
        self.handle = handle
        self.chunk = chunk
        self.buf = start
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder(parse_constant=refuse_constant)

    def _fill(self, size: int | None = None) -> None:
        data = self.handle.read(size or self.chunk)
        if not data:
            self.eof = True
        self.buf = self.buf[self.pos :] + data
        self.pos = 0

    def peek(self) -> str:
        """The next character that is not white space ("" at the end), without taking it."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in self._WS:
                self.pos += 1
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos] if self.pos < len(self.buf) else ""
            self._fill()

    def expect(self, char: str) -> None:
        """Take ``char``, or refuse the file."""
        found = self.peek()
        if found != char:
            raise ImportProblem(f"not a survey JSON file: expected '{char}', found '{found[:1]}'")
        self.pos += 1

    def value(self) -> Any:
        """The next whole JSON value, reading more of the file (doubling) until it is complete."""
        self.peek()
        size = self.chunk
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise ImportProblem(f"not valid JSON: {exc}") from exc
                self._fill(size)
                size *= 2
                continue
            if end == len(self.buf) and not self.eof:
                self._fill(size)  # a number may go on in the next chunk
                continue
            self.pos = end
            return obj

    def _response(self, position: int) -> Any:
        try:
            return self.value()
        except ImportProblem as exc:
            raise ImportProblem(f"response number {position} in the file: {exc}") from None

    def items(self) -> Iterator[tuple[str, Any]]:
        """``("header", dict)`` when ``responses`` starts, then ``("response", obj)`` each."""
        self.expect("{")
        seen_responses = False
        if self.peek() == "}":
            self.pos += 1
        else:
            header: dict[str, Any] = {}
            while True:
                key = self.value()
                if not isinstance(key, str):
                    raise ImportProblem("not a survey JSON file: object key expected")
                self.expect(":")
                if key == "responses":
                    seen_responses = True
                    yield "header", dict(header)  # (keys after "responses" are not read)
                    yield from self._responses()
                else:
                    header[key] = self.value()
                if not self._next_member():
                    break
        if self.peek() != "":
            raise ImportProblem("not a survey JSON file: text after the end of the document")
        if not seen_responses:
            raise ImportProblem("not a survey JSON file: no 'responses'")

    def _responses(self) -> Iterator[tuple[str, Any]]:
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        position = 0
        while True:
            position += 1
            yield "response", self._response(position)
            nxt = self.peek()
            self.pos += 1
            if nxt == "]":
                return
            if nxt != ",":
                raise ImportProblem("not a survey JSON file: ',' or ']' expected")

    def _next_member(self) -> bool:
        """After a member of the top-level object: whether another follows."""
        nxt = self.peek()
        self.pos += 1
        if nxt == "}":
            return False
        if nxt != ",":
            raise ImportProblem("not a survey JSON file: ',' or '}' expected")
        return True
