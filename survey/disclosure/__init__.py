"""Free text reaches sponsors only after a researcher has reviewed and released it.

Any free-text answer (text and textarea questions, text fields of groups, "please specify"
texts: every text variable of the downloads, whatever the questionnaire) may name the authority
or a person. Anonymised downloads therefore show a free-text answer only when its question has
been *released* and the answer's text is exactly the one a researcher reviewed; otherwise the
cell says :data:`WITHHELD`. A review (:mod:`survey.disclosure.review`) starts from the automatic
redaction of :mod:`survey.disclosure.anonymise`; the researcher may edit it, and what is approved is kept
with a hash of the original text, so an answer that changes afterwards, or a response that
arrives after the release, is withheld again until it is reviewed.

* :mod:`.models`: the tables (releases per question, approved texts per answer);
* :mod:`.release`: the sponsor's rule, applied by :class:`survey.exports.rows.Exporter`;
* :mod:`.review`: what the review page lists, and releasing and withdrawing;
* :mod:`.types`: the type of authority in anonymised downloads (its report group, or withheld
  in every row when a group is too small).
"""

from survey.disclosure.release import UNFIT, WITHHELD, SponsorTexts, text_hash

__all__ = ["UNFIT", "WITHHELD", "SponsorTexts", "text_hash"]
