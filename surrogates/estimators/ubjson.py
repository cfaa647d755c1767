"""Decode UBJSON (Universal Binary JSON), the format of XGBoost's ``.ubj`` model files, without
XGBoost: the shipped boosters' trees are read straight from their files.

Plain data only (no code runs): objects become dicts, strings str, numbers int/float, and
strongly typed numeric arrays (``[$<type>#<count>``, as XGBoost writes its tree arrays) numpy
arrays in native byte order. Big-endian throughout, as the format specifies.
"""
from __future__ import annotations

import struct
from typing import Any

import numpy as np

_NUMBERS = {ord(k): v for k, v in {"i": ">b", "U": ">B", "I": ">h", "l": ">i", "L": ">q",
                                     "d": ">f", "D": ">d"}.items()}
_STRUCTS = {k: struct.Struct(v) for k, v in _NUMBERS.items()}
_INTEGERS = frozenset(ord(c) for c in "iUIlL")
_NOOP, _STRING, _CHAR, _HIGH = ord("N"), ord("S"), ord("C"), ord("H")
_TRUE, _FALSE, _NULL = ord("T"), ord("F"), ord("Z")
_ARRAY, _ARRAY_END, _OBJECT, _OBJECT_END = ord("["), ord("]"), ord("{"), ord("}")
_TYPE, _COUNT = ord("$"), ord("#")
MAX_DEPTH = 64  # XGBoost models nest a few levels; deeper input is refused, not recursed into


class UBJSONError(ValueError):
    """The bytes are not UBJSON this decoder reads."""


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)
        self.pos = 0

    def marker(self) -> int:
        data, pos = self.data, self.pos
        while data[pos] == _NOOP:
            pos += 1
        self.pos = pos + 1
        return data[pos]

    def peek(self) -> int:
        return self.data[self.pos]

    def number(self, m: int) -> int | float:
        fmt = _STRUCTS[m]
        (value,) = fmt.unpack_from(self.data, self.pos)
        self.pos += fmt.size
        return value

    def count(self) -> int:
        m = self.marker()
        if m not in _INTEGERS:
            raise UBJSONError(f"UBJSON length has marker {chr(m)!r}, not an integer")
        n = self.number(m)
        if n < 0:
            raise UBJSONError(f"UBJSON length {n} is negative")
        return int(n)

    def string_of(self, n: int) -> str:
        end = self.pos + n
        if end > len(self.data):
            raise UBJSONError("UBJSON ends early")
        text = self.data[self.pos:end].decode("utf-8")
        self.pos = end
        return text

    def value(self, m: int, depth: int) -> Any:
        if m in _STRUCTS:
            return self.number(m)
        if m == _STRING:
            return self.string_of(self.count())
        if m in (_TRUE, _FALSE):
            return m == _TRUE
        if m == _NULL:
            return None
        if m == _CHAR:
            return self.string_of(1)
        if m == _HIGH:  # high-precision number, written as its decimal text
            text = self.string_of(self.count())
            return float(text) if any(c in text for c in ".eE") else int(text)
        if depth >= MAX_DEPTH:
            raise UBJSONError(f"UBJSON nests deeper than {MAX_DEPTH} levels")
        if m == _ARRAY:
            return self.array(depth + 1)
        if m == _OBJECT:
            return self.object(depth + 1)
        raise UBJSONError(f"UBJSON marker {chr(m)!r} at byte {self.pos - 1} is not supported")

    def container_header(self) -> tuple[int | None, int | None]:
        typ = None
        if self.peek() == _TYPE:
            typ = self.data[self.pos + 1]
            self.pos += 2
            if self.peek() != _COUNT:
                raise UBJSONError("UBJSON typed container without a count")
        if self.peek() == _COUNT:
            self.pos += 1
            return typ, self.count()
        return typ, None

    def array(self, depth: int) -> Any:
        typ, n = self.container_header()
        if typ is not None and n is not None:
            if typ in _NUMBERS:
                dtype = np.dtype(_NUMBERS[typ])
                end = self.pos + n * dtype.itemsize
                if end > len(self.data):
                    raise UBJSONError("UBJSON ends early")
                values = np.frombuffer(self.data, dtype=dtype, count=n, offset=self.pos)
                self.pos = end
                return values.astype(dtype.newbyteorder("="))
            return [self.value(typ, depth) for _ in range(n)]
        if n is not None:
            return [self.value(self.marker(), depth) for _ in range(n)]
        out = []
        while (m := self.marker()) != _ARRAY_END:
            out.append(self.value(m, depth))
        return out

    def object(self, depth: int) -> dict[str, Any]:
        typ, n = self.container_header()
        out: dict[str, Any] = {}
        if n is not None:
            for _ in range(n):
                key = self.string_of(self.count())
                out[key] = self.value(typ if typ is not None else self.marker(), depth)
            return out
        while True:
            while self.peek() == _NOOP:
                self.pos += 1
            if self.peek() == _OBJECT_END:
                self.pos += 1
                return out
            key = self.string_of(self.count())
            out[key] = self.value(self.marker(), depth)


def loads(data: bytes) -> Any:
    """The value encoded in ``data`` (raises :class:`UBJSONError` on malformed input)."""
    decoder = _Decoder(data)
    try:
        value = decoder.value(decoder.marker(), 0)
    except (struct.error, UnicodeDecodeError, KeyError, IndexError, ValueError) as err:
        if isinstance(err, UBJSONError):
            raise
        raise UBJSONError(f"malformed UBJSON: {err}") from err
    return value
