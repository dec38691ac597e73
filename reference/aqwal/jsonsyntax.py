"""Where a JSON text stops being JSON: the offset of a ``form_syntax`` error (spec: JSN-14).

The offset is the length of the longest prefix of the bytes that is the beginning of some
well-formed JSON text (RFC 8259, UTF-8 without byte-order mark): the first byte the grammar
cannot accept, or the length of the input when the text is cut short. Python's ``json`` module
reports positions by its own conventions (the opening quote of an unterminated string, the
backslash of a bad escape, character rather than byte counts), so the reader runs this scanner
on the error path to report the offset the clause defines.
"""

from __future__ import annotations

_WS = b" \t\n\r"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = b'"\\/bfnrt'

# UTF-8 (RFC 3629): for a lead byte, the allowed range of each continuation byte.
_TAIL = (0x80, 0xBF)


def _utf8_ranges(lead: int) -> tuple[tuple[int, int], ...] | None:
    if 0xC2 <= lead <= 0xDF:
        return (_TAIL,)
    if lead == 0xE0:
        return ((0xA0, 0xBF), _TAIL)
    if 0xE1 <= lead <= 0xEC or lead in (0xEE, 0xEF):
        return (_TAIL, _TAIL)
    if lead == 0xED:
        return ((0x80, 0x9F), _TAIL)  # no encoded surrogates
    if lead == 0xF0:
        return ((0x90, 0xBF), _TAIL, _TAIL)
    if 0xF1 <= lead <= 0xF3:
        return (_TAIL, _TAIL, _TAIL)
    if lead == 0xF4:
        return ((0x80, 0x8F), _TAIL, _TAIL)
    return None


class _Stop(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _Scanner:
    def __init__(self, data: bytes) -> None:
        self.d = data
        self.n = len(data)

    def byte(self, p: int) -> int:
        if p >= self.n:
            raise _Stop(self.n)
        return self.d[p]

    def ws(self, p: int) -> int:
        while p < self.n and self.d[p] in _WS:
            p += 1
        return p

    def literal(self, p: int, word: bytes) -> int:
        for i, ch in enumerate(word):
            if self.byte(p + i) != ch:
                raise _Stop(p + i)
        return p + len(word)

    def digits(self, p: int) -> int:
        """One or more digits."""
        if self.byte(p) not in _DIGITS:
            raise _Stop(p)
        while p < self.n and self.d[p] in _DIGITS:
            p += 1
        return p

    def number(self, p: int) -> int:
        if self.d[p] == 0x2D:  # '-'
            p += 1
        if self.byte(p) == 0x30:  # '0' takes no further integer digits
            p += 1
        else:
            p = self.digits(p)
        if p < self.n and self.d[p] == 0x2E:  # '.'
            p = self.digits(p + 1)
        if p < self.n and self.d[p] in b"eE":
            p += 1
            if self.byte(p) in b"+-":
                p += 1
            p = self.digits(p)
        return p

    def string(self, p: int) -> int:
        p += 1  # the opening quote
        while True:
            b = self.byte(p)
            if b == 0x22:
                return p + 1
            if b == 0x5C:  # backslash
                e = self.byte(p + 1)
                if e in _ESCAPES:
                    p += 2
                elif e == 0x75:  # \uXXXX
                    p = self.unicode_escape(p)
                else:
                    raise _Stop(p + 1)
            elif b < 0x20:
                raise _Stop(p)
            elif b < 0x80:
                p += 1
            else:
                ranges = _utf8_ranges(b)
                if ranges is None:
                    raise _Stop(p)
                for i, (lo, hi) in enumerate(ranges, start=1):
                    if not lo <= self.byte(p + i) <= hi:
                        raise _Stop(p + i)
                p += 1 + len(ranges)

    def hex4(self, p: int, first: bytes = _HEX, second: bytes = _HEX) -> int:
        """Four hexadecimal digits at ``p``, the first two from the sets given; their value."""
        for i, allowed in enumerate((first, second, _HEX, _HEX)):
            if self.byte(p + i) not in allowed:
                raise _Stop(p + i)
        return int(self.d[p : p + 4], 16)

    def unicode_escape(self, p: int) -> int:
        """A ``\\uXXXX`` escape at ``p``; a surrogate must be a high one followed at once by
        the escape of a low one (spec: JSN-15). Returns where the escape ends."""
        code = self.hex4(p + 2)
        if 0xDC00 <= code <= 0xDFFF:
            raise _Stop(p + 3)  # the second digit makes it a low surrogate with no high one
        if not 0xD800 <= code <= 0xDBFF:
            return p + 6
        if self.byte(p + 6) != 0x5C:
            raise _Stop(p + 6)
        if self.byte(p + 7) != 0x75:
            raise _Stop(p + 7)
        self.hex4(p + 8, b"dD", b"cdefCDEF")
        return p + 12

    def scalar(self, p: int) -> int:
        b = self.byte(p)
        if b == 0x22:
            return self.string(p)
        if b == 0x2D or b in _DIGITS:
            return self.number(p)
        if b == 0x74:
            return self.literal(p, b"true")
        if b == 0x66:
            return self.literal(p, b"false")
        if b == 0x6E:
            return self.literal(p, b"null")
        raise _Stop(p)

    def text(self) -> None:
        """One JSON value with optional white space around it; iterative, so depth is free."""
        stack: list[int] = []  # 0x7B for an object, 0x5B for an array
        p = self.ws(0)
        while True:
            # a value is expected at p
            b = self.byte(p)
            if b in (0x7B, 0x5B):
                p = self.ws(p + 1)
                close = 0x7D if b == 0x7B else 0x5D
                if self.byte(p) == close:
                    p += 1
                else:
                    stack.append(b)
                    if b == 0x7B:
                        p = self.key(p)
                    continue
            else:
                p = self.scalar(p)
            # a value ended at p: close containers or move to the next member
            while True:
                p = self.ws(p)
                if not stack:
                    if p != self.n:
                        raise _Stop(p)
                    return
                b = self.byte(p)
                close = 0x7D if stack[-1] == 0x7B else 0x5D
                if b == close:
                    stack.pop()
                    p += 1
                    continue
                if b != 0x2C:  # ','
                    raise _Stop(p)
                p = self.ws(p + 1)
                if stack[-1] == 0x7B:
                    p = self.key(p)
                break

    def key(self, p: int) -> int:
        """A member name and its colon; returns where the member's value starts."""
        if self.byte(p) != 0x22:
            raise _Stop(p)
        p = self.ws(self.string(p))
        if self.byte(p) != 0x3A:  # ':'
            raise _Stop(p)
        return self.ws(p + 1)


def syntax_error_offset(data: bytes) -> int | None:
    """None when ``data`` is one well-formed JSON text in UTF-8; otherwise the length of its
    longest prefix that begins some well-formed JSON text (spec: JSN-14), where a well-formed
    text escapes no lone surrogate (spec: JSN-15)."""
    try:
        _Scanner(data).text()
    except _Stop as stop:
        return stop.offset
    return None
