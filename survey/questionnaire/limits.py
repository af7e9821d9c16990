"""Bounds on what a questionnaire definition may cost to read and may ask.

Shared by the loader (document-level counts) and the question types (their own sizes), so each
bound is stated once.
"""

# Bounds on what a definition may cost to read. Appendix A is 48 KB and 2,280 YAML values; a
# 314-byte file of nested aliases ("billion laughs") expanded to 387 million values and took
# 1 GB and 20 s before these bounds.
MAX_DEFINITION_CHARS = 1_000_000
MAX_EXPANDED_VALUES = 100_000
# Every text answer is bounded: an author may lower a question's limit or raise it this far
# (the defaults are each text type's default_max_length: text 200, textarea 5,000 characters).
MAX_TEXT_LENGTH = 10_000
# Bounds on what a definition may ask, so that no definition (typed, or imported with responses)
# costs more than a moment to validate, route, export or chart. Each is checked from counts before
# anything of that size is built. Appendix A asks 44 questions (3 examples) and 314 answer keys;
# before these bounds a repeat of `max: 200000` (one 50 KB file) took 51 s and 1.5 GB to import,
# and `ranks: 30000000` 13 s and 2.2 GB to check.
MAX_REPEAT = 50  # a repeat's `max`
MAX_RANKS = 50  # a ranking's `ranks` (and never more than the options it ranks from)
MAX_QUESTION_INSTANCES = 2_000  # questions asked, each repeat counted `max` times
MAX_ANSWER_KEYS = 20_000  # answer keys (export columns), each repeat counted `max` times
