"""Japanese text made searchable by Wagtail's database search backend: one- and two-character grams.

PostgreSQL's text search and SQLite's FTS5 split words at spaces and punctuation. Japanese writes none between
words, so "ふりこの長さ" would be one single word and a search for "ふりこ" would never find it. Search engines
meet this with a CJK bigram analyser (Elasticsearch's ``cjk_bigram``, Lucene's ``CJKAnalyzer``); here the same
is done in Python:

- an indexed model adds ``index.SearchField("search_grams")`` and a ``search_grams`` method returning
  ``index_grams(its text)``: every run of kana and kanji becomes its single characters and its pairs, so any
  substring of one or more characters is a conjunction of grams in the index;
- a query goes through ``query_grams`` before ``.search(..., operator="and")``: a run of two or more characters
  becomes its pairs, a single character stays itself.

Latin words and numbers go through as lower-case words. Full-width letters and half-width katakana are folded
(NFKC) on both sides, so "ＳＤＧｓ" finds "SDGs" and "ｶｹｻﾞﾝ" finds "カケザン".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Hiragana, katakana (and the long-vowel mark), CJK ideographs with extension A, the iteration mark 々.
_CJK = "\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005"
_RUN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def _runs(text: str) -> Iterable[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def index_grams(texts: Iterable[str]) -> str:
    """The grams to index for ``texts``, separated by spaces, each once."""
    grams: dict[str, None] = {}
    for text in texts:
        for run in _runs(text):
            if _CJK_RUN.fullmatch(run):
                grams.update(dict.fromkeys(run))
                grams.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
            else:
                grams[run] = None
    return " ".join(grams)


def query_grams(query: str) -> str:
    """A user's query as grams that must all be present: "ふりこの長さ" → "ふり りこ この の長 長さ"."""
    grams: dict[str, None] = {}
    for run in _runs(query):
        if _CJK_RUN.fullmatch(run) and len(run) > 1:
            grams.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
        else:
            grams[run] = None
    return " ".join(grams)
