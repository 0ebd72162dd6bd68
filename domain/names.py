"""Names people type (teams, locations): one way to clean them and one key to compare them by."""

from __future__ import annotations

import unicodedata

# Invisible characters that would make two names look alike but compare apart, or read differently
# from how they compare: controls (Cc), format characters (Cf: zero-width spaces and joiners, the
# byte-order mark, soft hyphens, bidirectional marks, embeddings, overrides and isolates) and lone
# surrogates (Cs). Whitespace controls such as tabs and newlines count as spaces instead.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})


def clean_name(raw: str) -> str:
    """A name as stored and shown: NFKC, invisible characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", raw)
    kept = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE)
    return " ".join(kept.split())


def name_key(raw: str) -> str:
    """What names are compared by (uniqueness and look-ups): the clean name, case-folded."""
    return unicodedata.normalize("NFKC", clean_name(raw).casefold())
