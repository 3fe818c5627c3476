"""Speakable text -> sentences, each small enough for one synthesis request.

Qiniu takes at most 1024 UTF-8 bytes per request, and a reply is best spoken sentence by
sentence (the first one plays while the next is synthesized). Pieces are exact slices of the
text, so joined they give it back: the whitespace after a sentence stays with it. A sentence
over the limit is cut at a clause, else between words, else between CJK characters, and
never inside a word or a number.
"""

from __future__ import annotations

import re
import unicodedata
from os.path import commonprefix

from tui.audio.speakable import SpeakableLines

MAX_TEXT_BYTES = 1024

_CLOSERS = "\"'”’)\\]」』）"
_BOUNDARY = re.compile(
    rf"(?P<end>[。！？]+[{_CLOSERS}]*|[.!?…]+[{_CLOSERS}]*(?=\s|$)|\n)\s*")
_ENDS_SENTENCE = re.compile(rf"[.!?…。！？][{_CLOSERS}]*\s*$")
_BOUNDARY_CHAR = re.compile(r"[.!?…。！？\n]")
_WORD = re.compile(r"[^\W\d_]")  # a letter: digits may be a list number
_CLAUSE = re.compile(r"[,;:](?=\s)\s*|[，；：、]\s*")
# "Dr. Smith", "e.g. this", "U.S. law": a period that does not end the sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st vs no fig cf approx ca inc ltd co dept est".split())
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text` (one per line at least), each with something besides whitespace;
    "".join(result) == text unless `text` is only whitespace."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        # A line break always ends a sentence, even after "Dr." or a list number.
        if "\n" not in match.group() and not _ends_sentence(text, start, match.start()):
            continue
        if text[start:match.end()].strip():
            pieces.append(text[start:match.end()])
            start = match.end()
    rest = text[start:]
    if rest.strip():
        pieces.append(rest)
    elif rest and pieces:
        pieces[-1] += rest
    return pieces


def fit(sentence: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """`sentence` cut into pieces of at most `limit` UTF-8 bytes (one piece if it fits)."""
    pieces = []
    while len(sentence.encode("utf-8")) > limit:
        cut = _cut(sentence, limit)
        pieces.append(sentence[:cut])
        sentence = sentence[cut:]
    if sentence:
        pieces.append(sentence)
    return pieces


def speech_units(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Sentences of `text`, long ones cut to fit one request each."""
    return [piece for sentence in split_sentences(text) for piece in fit(sentence, limit)]


def pack(units: list[str], limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Consecutive units joined into as few requests as fit in `limit` bytes each."""
    packed: list[str] = []
    size = limit + 1
    for unit in units:
        unit_size = len(unit.encode("utf-8"))
        if size + unit_size <= limit:
            packed[-1] += unit
            size += unit_size
        else:
            packed.append(unit)
            size = unit_size
    return packed


class SentenceFeed:
    """Turns a reply that is still streaming (markdown, cumulative) into speakable sentences,
    each handed out once, as soon as the text after it shows that it is complete.

    Sentences never span lines, and a complete markdown line converts the same whatever
    follows, so only the line still being written is looked at again as text arrives: the
    cost per update does not grow with the length of the reply. What it hands out, joined,
    is exactly `speech_units(speakable(final_markdown))`.
    """

    def __init__(self, limit: int = MAX_TEXT_BYTES) -> None:
        self.limit = limit
        self._lines = SpeakableLines()
        self._consumed = 0  # markdown up to here is complete lines, converted
        self._consumed_text = ""
        self._seen = 0
        self._armed = False
        # The last sentence of the last complete line: its line break belongs to it only if
        # another line with words follows (speakable text has no trailing newline).
        self._held: str | None = None
        self._partial_done = 0  # sentences of the unfinished line already handed out

    def update(self, markdown: str) -> list[str]:
        """The sentences completed since the last call."""
        if not markdown.startswith(self._consumed_text):
            self._resync(markdown)
        tail = markdown[self._seen:]
        self._seen = len(markdown)
        # Only a sentence end in the new text, or new text after a sentence end, can complete
        # a sentence: most tokens cost this one check.
        if not (self._armed and tail.strip()) and not _BOUNDARY_CHAR.search(tail):
            return []
        out = self._complete_lines(markdown)
        partial = self._lines.peek(markdown[self._consumed:])
        complete = split_sentences(partial)[:-1] if partial else []
        # Only words show that a line follows the held one: a lone "-" or "|" may turn out to
        # be a list marker or a table rule, which say nothing.
        if complete[self._partial_done:] or _WORD.search(partial):
            out += self._release_held()
            out += self._take(complete)
        # Armed: the next words will complete something (a held line, or a finished sentence).
        self._armed = self._held is not None or bool(partial and _ENDS_SENTENCE.search(partial))
        return out

    def finish(self, markdown: str) -> list[str]:
        """Every sentence not handed out yet, the last one included."""
        if not markdown.startswith(self._consumed_text):
            self._resync(markdown)
        self._seen = len(markdown)
        out = self._complete_lines(markdown)
        partial = self._lines.peek(markdown[self._consumed:])
        if partial:
            out += self._release_held()
            out += self._take(split_sentences(partial))
        elif self._held is not None:
            out += self._fit(self._held)
            self._held = None
        return out

    def _complete_lines(self, markdown: str) -> list[str]:
        out: list[str] = []
        end = markdown.rfind("\n", self._consumed) + 1
        if end <= self._consumed:
            return out
        for raw in markdown[self._consumed:end - 1].split("\n"):
            text = self._lines.line(raw)
            if not text:
                continue
            out += self._release_held()
            sentences = split_sentences(text)
            out += self._take(sentences[:-1])
            self._held = sentences[-1] if len(sentences) > self._partial_done else None
            self._partial_done = 0
        self._consumed = end
        self._consumed_text = markdown[:end]
        return out

    def _resync(self, markdown: str) -> None:
        """Earlier text was rewritten (Tongyi does that): what was spoken stays spoken; lines
        from the first changed one on are read again."""
        same = len(commonprefix((self._consumed_text, markdown)))
        self._consumed = markdown.rfind("\n", 0, same) + 1
        self._consumed_text = markdown[:self._consumed]
        self._lines = SpeakableLines()
        for raw in self._consumed_text.split("\n")[:-1]:
            self._lines.line(raw)  # only for the code-fence state at that point
        self._held = None
        self._partial_done = 0
        self._seen = self._consumed

    def _take(self, sentences: list[str]) -> list[str]:
        new = sentences[self._partial_done:]
        self._partial_done += len(new)
        return [piece for sentence in new for piece in self._fit(sentence)]

    def _release_held(self) -> list[str]:
        held, self._held = self._held, None
        return self._fit(held + "\n") if held is not None else []

    def _fit(self, sentence: str) -> list[str]:
        return fit(sentence, self.limit)


def _ends_sentence(text: str, start: int, at: int) -> bool:
    if text[at] != "." or text[at:at + 2] == "..":
        return True
    before = text[start:at]
    word = before.rsplit(None, 1)[-1] if before.strip() else ""
    if word.isdigit() and not before[:-len(word)].strip():
        return False  # "1." opening a line is a list number, not a sentence
    return not (word.lower() in _ABBREVIATIONS or _INITIALISM.fullmatch(word))


def _cut(text: str, limit: int) -> int:
    """Where to cut `text` (longer than `limit` bytes) so the first part fits."""
    fits = _fitting_prefix(text, limit)

    def both_sides_speak(at: int) -> bool:  # no piece may be whitespace alone
        return bool(text[:at].strip() and text[at:].strip())

    clause_ends = [m.end() for m in _CLAUSE.finditer(text[:fits]) if both_sides_speak(m.end())]
    if clause_ends:
        return clause_ends[-1]
    for at in range(fits, 0, -1):
        if text[at - 1].isspace() and both_sides_speak(at):
            return at
    for at in range(fits, 0, -1):
        if not _inside_word(text, at) and both_sides_speak(at):
            return at
    # One "word" longer than a whole request: it has to be cut, but never into a blank piece.
    for at in range(fits, 0, -1):
        if both_sides_speak(at):
            return at
    return max(fits, 1)


def _fitting_prefix(text: str, limit: int) -> int:
    """The most characters from the start of `text` whose UTF-8 fits in `limit` bytes."""
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode("utf-8"))
        if size > limit:
            return index
    return len(text)


def _inside_word(text: str, at: int) -> bool:
    """Whether cutting before text[at] would split a word, a number, or a character."""
    left, right = text[at - 1], text[at]
    if unicodedata.category(right).startswith("M") or "\u200d" in (left, right):
        return True
    if _wordy(left) and _wordy(right):
        return True
    # Inside "3.14", "1,000", "don't", "well-known": a joiner between two word characters.
    after = text[at + 1] if at + 1 < len(text) else ""
    before = text[at - 2] if at >= 2 else ""
    if right in ".,'’-" and _wordy(left) and _wordy(after):
        return True
    return left in ".,'’-" and _wordy(before) and _wordy(right)


def _wordy(char: str) -> bool:
    """A letter or digit of a script that separates words with spaces (not Han or kana)."""
    return bool(char) and char.isalnum() and not _is_cjk(char)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
            or 0x20000 <= code <= 0x3FFFF)
