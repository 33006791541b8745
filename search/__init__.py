"""Full-text search of the archive: the only package that imports whoosh.

``search.index.SearchIndex`` is the entry point; ``analysis`` (Vietnamese normalisation, folding,
syllables), ``query`` (what a person types -> ``ParsedQuery``), ``engine`` (numpy evaluation over
Whoosh's postings), ``snippets`` (escaped, highlighted passages) and ``writer`` (bulk writer) serve it.
"""
