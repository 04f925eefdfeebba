"""What the archive gives back to people and other tools: exports (JSONL, CSV, WARC), the
provenance report and its formats, written to files that appear only when complete.

Everything here reads the archive through crawler.storage's typed records and writes streams;
nothing here fetches or decides what is archived.
"""
