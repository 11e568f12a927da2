"""Enrichment of text with what the domain knows: entity tagging (:mod:`wbpolicy.enrich.tag`)
and document/passage classification (:mod:`wbpolicy.enrich.classify`).

Importing this package is cheap: spaCy is loaded only when the ingest tagger is built.
"""
