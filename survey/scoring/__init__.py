"""Scoring: the report's figures computed from the responses, after data-quality cleaning.

- :mod:`.config` reads and checks the declarations in the questionnaire's YAML
  (``groups``, ``populations``, ``figures``, ``settings``);
- :mod:`.cleaning` builds the cleaned view of each response and its cleaning log;
- :mod:`.kinds` implements each kind of figure once;
- :mod:`.data` reads responses, :mod:`.report` runs the figures over them;
- :mod:`.output` and :mod:`.svg` write JSON, CSV, SVG and the PDF findings report;
- :mod:`.demo` makes synthetic responses; :mod:`.cli` holds the commands.
"""
