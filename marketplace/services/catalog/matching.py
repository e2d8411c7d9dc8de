"""What a search query matches, and how well (both databases; typos on PostgreSQL only).

A product matches ``q`` (folded: no case, no diacritics) when its folded text (title,
description, shop name) holds the whole phrase, or when every word of the query is found
either in that text or in the name of the product's category or one above it, in Vietnamese
or English — so ``honey`` finds *Mật ong* and ``brocade`` *Thổ cẩm*, and the words need not
follow each other. On PostgreSQL, when that finds less than a page, a title that resembles the
query through pg_trgm's word similarity matches too, which forgives words run together
(``thocam``, ``matong``) and small slips (``tho cma``); SQLite keeps the substring match.

Ranks, best first: the title starts with the phrase (0), holds it (1), the text holds it (2),
anything else that matched (3); ``ranked`` gives each rank's rows as a filter of its own.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

import sqlalchemy as sa

from marketplace.database import written
from marketplace.extensions import db
from marketplace.models import Category, Product
from marketplace.services.text import fold

# A word shorter than this cannot use the trigram index alone, and matches too much anyway:
# such queries match as a phrase only.
MIN_WORD = 3
# Typo tolerance only for queries long enough to carry a few trigrams.
MIN_FUZZY = 5
# What a query of several words must reach in word similarity to match a title by typo
# tolerance (see _resembles).
SEVERAL_WORDS_SIMILARITY = 0.6
# English filler words in category names ("Textiles, garments and handicrafts").
STOP_WORDS = frozenset({"and", "the", "for", "with", "of", "va", "cac"})
_WORD = re.compile(r"[a-z0-9]+")


def words(folded: str) -> list[str]:
    return _WORD.findall(folded)


def like_pattern(folded: str, *, prefix: bool = False) -> str:
    """A LIKE pattern matching ``folded`` literally (``%`` and ``_`` escaped with ``\\``)."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def holds(column, folded: str, *, prefix: bool = False) -> sa.ColumnElement[bool]:
    """``column LIKE pattern`` with the pattern written into the SQL, not bound.

    The planner must see the pattern to choose between the trigram index (a rare word) and the
    listing order (a common one); a prepared statement's generic plan, made without it, took
    47 ms instead of 0.8 for 'tho cam' (see database.written).
    """
    return column.like(written(like_pattern(folded, prefix=prefix), sa.String), escape="\\")


# Categories change only with the migrations (a deploy restarts the app): folded once per process.
_category_words: list[tuple[str, str | None, frozenset[str], str]] = []


def _categories() -> list[tuple[str, str | None, frozenset[str], str]]:
    """``(id, parent_id, words of both names, both names folded)`` for every category."""
    if not _category_words:
        for row in db.session.execute(
            sa.select(Category.id, Category.parent_id, Category.name, Category.name_en)
        ):
            names = f"{fold(row.name)} | {fold(row.name_en)}"
            _category_words.append(
                (row.id, row.parent_id, frozenset(words(names)) - STOP_WORDS, names)
            )
    return _category_words


def categories_named(term: str) -> set[str]:
    """Ids of the categories whose Vietnamese or English name has a word starting with
    ``term`` (or holds it, for a phrase), with every category below them."""
    rows = _categories()
    named = {
        category_id
        for category_id, _parent, name_words, names in rows
        if (" " in term and term in names) or any(word.startswith(term) for word in name_words)
    }
    if not named:
        return set()
    children = defaultdict(list)
    for category_id, parent_id, _words, _names in rows:
        children[parent_id].append(category_id)
    found, stack = set(), list(named)
    while stack:
        category_id = stack.pop()
        if category_id not in found:
            found.add(category_id)
            stack.extend(children[category_id])
    return found


def _found(folded: str, within: frozenset[str] | None) -> sa.ColumnElement[bool]:
    """The text holds ``folded``, or the category is named by it; ``within``: the categories
    the list is already limited to (None: all), which decide the category's side alone.

    Said so, the planner sees what the filter makes of the category: 'tea' in the honey
    category is the text alone, and 'honey' there is true. Left as an OR, it took the
    category side as independent of the filter and read a million rows by price for the
    none that 'tea' finds among honey (2 s).
    """
    named = categories_named(folded) if len(folded) >= MIN_WORD else set()
    text = holds(Product.text_search, folded)
    if within is not None:
        if within <= named:
            return sa.true()
        named &= within
    if not named:
        return text
    # The cheap comparison first: the database stops at the first true side of an OR.
    return sa.or_(Product.category_id.in_(written(sorted(named))), text)


def _typo_tolerant() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def forgives_typos(folded: str) -> bool:
    """Whether a search for ``folded`` may also look for titles that resemble it."""
    return _typo_tolerant() and len(folded.replace(" ", "")) >= MIN_FUZZY


def matches(
    folded: str, *, typos: bool = False, within: frozenset[str] | None = None
) -> sa.ColumnElement[bool]:
    """The filter for the folded query ``folded`` (non-empty); with ``typos``, titles that
    resemble it match too (see forgives_typos); ``within``, the ids of the categories the list
    is limited to, if it is."""
    return _matches(folded, typos and forgives_typos(folded), within)


# Clauses are immutable and the categories fixed for the process (see _categories): a query
# asked again, as the popular ones are, reuses its clause instead of building it anew (a third
# of a relevance search's Python went into building it).
CLAUSES_KEPT = 512


@functools.lru_cache(maxsize=CLAUSES_KEPT)
def _matches(folded: str, typos: bool, within: frozenset[str] | None) -> sa.ColumnElement[bool]:
    terms = words(folded)
    if len(terms) > 1 and all(len(term) >= MIN_WORD for term in terms):
        # The longest word first: usually the rarest, it turns most rows away with one LIKE.
        every_word = sa.and_(
            *(_found(term, within) for term in sorted(terms, key=len, reverse=True))
        )
        # The phrase decides nothing (a text holding it holds each word) but tells the planner
        # how many rows match: it takes the words for independent ('shan' and 'tuyet', 2,551
        # estimated of a million, 51,354 found), sorted them all to find a page (175 ms), where
        # the phrase's own estimate sends it down the listing (6 ms).
        clause = sa.or_(holds(Product.text_search, folded), every_word)
    else:
        clause = _found(folded, within)
    if typos:
        clause = sa.or_(clause, _resembles(folded, several_words=len(terms) > 1))
    return clause


def _resembles(folded: str, *, several_words: bool) -> sa.ColumnElement[bool]:
    """pg_trgm word similarity of the query to the title, answered by the titles' GIN index
    (``<%``, threshold TYPO_SIMILARITY = 0.5, set per connection in database.py).

    0.5 is what words run together need ('thocam' ~ 'tho cam'); a query of several words is
    held to 0.6, or one word alone would be enough ('nen mong' ~ 'vay mong' is 0.56).
    """
    query = written(folded, sa.String)
    similar = query.op("<%")(Product.title_search)
    if several_words:
        held_to = sa.func.word_similarity(query, Product.title_search) >= SEVERAL_WORDS_SIMILARITY
        return sa.and_(similar, held_to)
    return similar


def typo_settings(folded: str) -> dict[str, str]:
    """The PostgreSQL settings a typo-tolerant search for ``folded`` runs with (see
    database.statement_budget): for several words, the index's threshold raised to the one
    they are held to anyway, so that it hands over only titles that may pass ('ta xua' at
    1,000,000 products: 0.37 s instead of 2.1, for the same nothing found)."""
    if len(words(folded)) > 1:
        return {"pg_trgm.word_similarity_threshold": str(SEVERAL_WORDS_SIMILARITY)}
    return {}


@functools.lru_cache(maxsize=CLAUSES_KEPT)
def ranked(
    folded: str, *, typos: bool = False, within: frozenset[str] | None = None
) -> tuple[sa.ColumnElement[bool], ...]:
    """The matches of ``matches`` (same arguments) split by rank, best first, as filters that
    no two ranks' rows share: 0 the title starts with the phrase, 1 the title holds it,
    2 the text does, 3 anything else that matched.

    The first three leave out the match filter: a text holding the whole phrase holds each of
    its words, so it matches already, and alone the rank's own LIKE lets the planner read the
    newest such rows off the listing index (with the match filter too, it took 'mat ong rung%'
    and '%rung%' for independent and sorted 3,600 rows instead of reading 25).
    """
    title_starts = holds(Product.title_search, folded, prefix=True)
    title_holds = holds(Product.title_search, folded)
    text_holds = holds(Product.text_search, folded)
    return (
        title_starts,
        sa.and_(title_holds, sa.not_(title_starts)),
        sa.and_(text_holds, sa.not_(title_holds)),
        sa.and_(matches(folded, typos=typos, within=within), sa.not_(text_holds)),
    )
