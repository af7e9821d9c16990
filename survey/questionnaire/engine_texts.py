"""The engine's own words: every text it writes on respondent pages, printed answers and messages.

Each text has a stable name and today's English wording, which is both its default and its gettext
msgid (``pybabel extract -F babel.cfg`` reads this mapping through :func:`extract`, so the engine
catalogue ``survey/locale/messages.pot`` lists every one). A questionnaire may word any of them its
own way (``texts:``, read by survey.questionnaire.declared); fields such as ``{limit}`` are filled
in after the lookup, so a translation or a rewording places them where its language wants them
(``%{count}`` is GOV.UK Frontend's, filled in by its live character count).

Nothing here knows about Flask: the web layer (survey.web.words) installs the lookup that takes a
questionnaire's rewording, or else the translation in the request's language, with
:func:`set_lookup`; without one, the English is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

ENGINE_TEXTS: dict[str, str] = {
    # -- hints under inputs --------------------------------------------------------------------
    "not_applicable_hint": "If this is not applicable, enter n/a",
    "character_limit_hint": "You can enter up to {limit} characters",
    "specify_limit_hint": "Up to {limit} characters",
    "printed_limit_hint": "(Up to {limit} characters)",
    "count_under_one": "You have %{count} character remaining",
    "count_under_other": "You have %{count} characters remaining",
    "count_at_limit": "You have 0 characters remaining",
    "count_over_one": "You have %{count} character too many",
    "count_over_other": "You have %{count} characters too many",
    "specify_label": "Please specify",
    "specify_needed": "(needed if you choose this option)",
    "mandatory": "(mandatory)",
    "error_prefix": "Error:",
    "warning_prefix": "Warning",
    "choice_or": "or",
    "choose_an_option": "Choose an option",
    "grid_corner": "Factor",
    # the dropdown's type-ahead (accessible-autocomplete, given them by the page: data-t-*)
    "type_ahead_no_results": "No results found",
    "type_ahead_too_short": "Type in %{count} or more characters for results",
    "type_ahead_none": "No search results",
    "type_ahead_highlighted": "%{option} %{position} of %{count} is highlighted",
    "type_ahead_results_one": "%{count} result is available. %{highlighted}",
    "type_ahead_results_other": "%{count} results are available. %{highlighted}",
    "type_ahead_hint": "When autocomplete results are available use up and down arrows to review "
    "and enter to select. Touch device users, explore by touch or with swipe gestures.",
    "grid_hint": "Choose one answer for each factor. N/A means not applicable; D/K means don't know.",
    "money_table_hint": "Type whole pounds in full, for example 78500; write a negative amount as "
    "-5000 or (5,000). Leave a box empty if you do not have the figure; enter 0 for none.",
    "money_table_region": "Question {number}",
    "money_table_total_hint": "The {total} row is calculated for you: it adds up each column's "
    "figures.",
    "money_table_row_cover": "{row}: what the figures in this row cover",
    "not_asked": "Not asked",
    "not_asked_future": "for a future year",
    "calculated": "(calculated)",
    "table_row": "Row",
    "ranking_nothing": "You have not selected any options at the previous question, so there is "
    "nothing to rank.",
    "ranking_up_to": "You can rank up to {count} of the options you selected{where}. Choose each "
    "only once.",
    "ranking_at_question": "at question {number}",
    "date_day": "Day",
    "date_month": "Month",
    "date_year": "Year",
    "date_example": "For example, 27 3 2012",
    "month_example": "For example, 3 2012",
    # -- every page ----------------------------------------------------------------------------
    "skip_link": "Skip to main content",
    "service_name": "Survey",
    "reference_code": "Reference code:",
    "survey_navigation": "Survey navigation",
    "view_all_sections": "View all sections and your progress",
    "error_summary_title": "There is a problem",
    "not_answered": "Not answered",
    "change": "Change",
    "important": "Important",
    "choose_a_language": "Choose a language",
    # -- a page of questions -------------------------------------------------------------------
    "guidance_link": "Welcome and guidance notes",
    "download_guidance": "Download the guidance notes to print (PDF)",
    "download_blank": "Download a blank copy of the questionnaire (PDF)",
    "button_next": "Next",
    "button_back": "Back",
    "button_save_later": "Save and come back later",
    "button_save_return": "Save and return to check your answers",
    "button_continue": "Continue",
    "repeat_up_to": "You can give up to {max} examples. You are on {instance}.",
    "remove_instance": "Remove {instance}",
    "csrf_not_saved": "This page was not saved, because it could not be confirmed that it came "
    "from your browser.",
    "csrf_not_saved_body": "Your answers are still on the page. Check them and press the button "
    "again to save them.",
    "busy_not_saved": "The survey is very busy and this page was not saved.",
    "busy_not_saved_body": "Your answers are still on the page. Wait a few seconds and press the "
    "button again.",
    "unavailable_not_saved": "Your answers on this page have not been saved yet.",
    "unavailable_not_saved_body": "They are still in the form below. The survey cannot save "
    "answers at the moment, and the team running it has been told. Keep this page open and press "
    "the button again later. Answers you saved before are kept.",
    "conflict_heading": "This page was changed in another window or by someone else after you "
    "opened it. Nothing has been saved yet.",
    "conflict_caption": "Answers that differ",
    "conflict_question": "Question",
    "conflict_theirs": "Saved elsewhere",
    "conflict_mine": "On this page",
    "conflict_explained": "The page below shows your version. Press a button again to save it over "
    "the other version, or {link} to see the saved version.",
    "conflict_reload": "reload the page",
    "confirm_figures": "I have checked these figures and they are right",
    "summary_question": "Are these totals correct?",
    "summary_confirm": "Yes, these totals are correct",
    "summary_change": "No, I need to change them",
    "summary_change_how": "{change}: use the Change links to correct an answer.",
    # -- a list collector and removing an item -------------------------------------------------
    "list_csrf": "Nothing was changed, because it could not be confirmed that the request came "
    "from your browser. Press the button again.",
    "list_changed": "The list was changed in another window or by someone else. Nothing has been "
    "saved yet: check the list below and press the button again.",
    "list_full": "You can add up to {max}: there is no room for another.",
    "list_busy": "The survey is very busy and nothing was saved. Wait a few seconds and press the "
    "button again.",
    "list_unavailable": "The survey cannot save answers at the moment, and the team running it has "
    "been told. Answers you saved before are kept.",
    "list_none_yet": "You have not added any yet.",
    "list_remove": "Remove",
    "list_add_another": "Add another {item}",
    "list_add_first": "Add a {item}",
    "list_at_most": "You have added the most there can be ({max}).",
    "list_too_few": "Add at least {min} to the list '{page}': you have added {count}",
    "remove_title": "Remove {item} {n}",
    "remove_nothing_removed": "Nothing was removed",
    "remove_csrf": "It could not be confirmed that the request came from your browser. Try again.",
    "remove_question": "Are you sure you want to remove {item} {n}?",
    "remove_hint": "All the answers you gave for {item} {n} will be deleted. Any later {items} move "
    "up one place.",
    "remove_yes": "Yes, remove it",
    "remove_no": "No, keep it",
    # -- the overview ----------------------------------------------------------------------------
    "overview_title": "Your progress",
    "overview_removed_title": "Success",
    "overview_removed": "The example was removed.",
    "overview_saved_as_you_go": "Your answers are saved page by page. You can leave and come back "
    "with your unique link at any time.",
    "submit_by": "Please submit your response on or before {date}.",
    "status_completed": "Completed",
    "status_in_progress": "In progress",
    "status_not_started": "Not started",
    "check_and_submit": "Check your answers and submit",
    "status_not_submitted": "Not submitted",
    # -- the check page ------------------------------------------------------------------------
    "check_title": "Check your answers before submitting",
    "check_cannot_submit": "You cannot submit yet",
    "check_answer_first": "Answer these questions first:",
    "check_not_submitted": "Your response was not submitted",
    "check_csrf": "It could not be confirmed that the request came from your browser. Press Submit "
    "again.",
    "check_missing_one": "{count} mandatory question needs an answer before you can submit.",
    "check_missing_many": "{count} mandatory questions need an answer before you can submit.",
    "check_send_heading": "Now send your response",
    "check_declaration": "By submitting this response you confirm that, to the best of your "
    "knowledge, the details you are providing are correct. You will not be able to change your "
    "answers after submitting unless you contact the research team.",
    "button_submit": "Submit",
    "back_to_sections": "Back to all sections",
    # -- after submitting ----------------------------------------------------------------------
    "confirmation_title": "Response submitted",
    "confirmation_reference": "Your reference number",
    "confirmation_thanks": "Thank you for taking part in this survey. We have recorded your "
    "response for {name} on {date}.",
    "download_answers": "Download a copy of your answers (PDF)",
    "view_answers": "View your answers",
    "confirmation_change": "If you need to change an answer, contact the research team quoting "
    "your reference number.",
    "answers_title": "Your submitted answers",
    "answers_submitted": "{name} – submitted on {date}, reference {reference}. These answers can no "
    "longer be changed.",
    # -- save and return -----------------------------------------------------------------------
    "saved_title": "Your answers have been saved",
    "saved_close": "You can close this window. To carry on, open your unique link again: it brings "
    "you back to where you left off.",
    "saved_do_not_share": "Do not share your unique link with anybody who you do not want to be "
    "able to view or edit your responses.",
    "saved_continue": "Continue the survey now",
    # -- closed, not open, a bad link ------------------------------------------------------------
    "closed_title": "This survey is closed",
    "closed_body": "The survey closed on {date}. Answers can no longer be saved or submitted.",
    "not_open_title": "This survey is not open yet",
    "not_open_body": "The survey opens on {date}. Please use your link again from that date.",
    "invalid_link_title": "This link is not valid",
    "invalid_link_body": "The link you used does not open a survey. It may have been mistyped, or "
    "replaced by a newer link.",
    "invalid_link_help": "Check that you copied the whole link from your invitation email. If it "
    "still does not work, contact the research team and ask for a new link.",
    # -- the error pages a respondent may meet -------------------------------------------------
    "error_page_csrf_title": "The form could not be sent",
    "error_page_csrf_body": "For your security, the form was refused because it had no valid security token. Go back, reload the page and try again.",
    "error_page_not_found_title": "Page not found",
    "error_page_not_found_body": "If you typed the web address, check it is correct. If you pasted it, check you copied the entire address.",
    "error_page_server_error_title": "Sorry, there is a problem with the service",
    "error_page_server_error_body": "Your answers up to the last page you saved are safe. Try again later.",
    "error_page_too_large_title": "Too much information was sent at once",
    "error_page_too_large_short": "Too much information sent",
    "error_page_too_large_body": "The page you sent was larger than the survey accepts. Go back, shorten the longest answers, and try again.",
    "error_page_too_many_title": "Too many attempts",
    "error_page_too_many_body": "For security, there have been too many attempts from your connection. Wait a few minutes, then try again.",
    "error_page_unavailable_title": "Sorry, nothing could be saved",
    "error_page_unavailable_busy": "The survey is very busy. Nothing was changed. Go back and press the button again in a few seconds.",
    "error_page_unavailable_down": "The survey cannot save answers at the moment, and the team running it has been told. Nothing was changed: answers you saved before are kept, and nothing was submitted.",
    "error_page_unavailable_later": "Go back and try again later.",
    # -- printed answers and guidance (the PDFs' furniture) ------------------------------------
    "pdf_answers_title": "Answers of {name}",
    "pdf_submitted_answers": "Submitted answers",
    "pdf_answers_so_far": "Answers so far",
    "pdf_authority": "Authority",
    "pdf_reference": "Reference",
    "pdf_status": "Status",
    "pdf_submitted": "Submitted",
    "pdf_not_yet_submitted": "Not yet submitted",
    "pdf_guidance_notes": "Guidance notes",
    "pdf_answers": "Answers",
    "print_tick_one": "Tick one",
    "print_tick_all": "Tick all that apply",
    "print_on_its_own": "(on its own)",
    "print_codes_hint": "The numbers are the options' codes, for the ranking that follows.",
    "print_tick_one_row": "(Tick one box in each row)",
    "print_write_one": "(Write one of the {count} options listed in the online form)",
    "print_questions_span": "questions {first}–{last}",
    "print_this_block": "this block",
    "print_if_answer_again": "If {answer}, answer {questions} again for your next {item} (up to "
    "{max} in all).",
    "print_if_then": "If {answer}, {then}.",
    "print_go_to": "go to {target}",
    "print_go_to_question": "go to question {number}",
    "print_go_to_end": "go to the end of the questionnaire",
    "print_answer_only_if_answered": "Answer {questions} only if you answered “{answer}” at {at}.",
    "print_answer_only_if": "Answer only if {conditions}.",
    "print_not_the_case": "it is not the case that {condition}",
    "print_you_answered": "you answered {at}",
    "print_you_did_not_answer": "you did not answer {at}",
    "print_you_ticked": "you ticked “{answer}” at {at}",
    "print_you_did_not_choose": "you did not answer “{answer}” at {at}",
    "print_you_chose": "you answered “{answer}” at {at}",
    # -- the respondents' emails: the default invitation and reminder, and fallbacks ------------
    "email_invitation_subject": "{questionnaire}: your invitation to take part",
    "email_invitation_body": "Dear {contact_name},\n\n"
    '{authority} is invited to complete the questionnaire "{questionnaire}".\n\n'
    "Your authority's own link is:\n\n{link}\n\n"
    "Your answers are saved page by page, so you can complete it over several sittings. "
    "Please do not forward this link outside your authority.\n\n"
    "Please submit your answers by {closing_date}.\n\n"
    "Thank you.\n",
    "email_reminder_subject": "Reminder: {questionnaire}",
    "email_reminder_body": "Dear {contact_name},\n\n"
    'We have not yet received {authority}\'s answers to "{questionnaire}". '
    "The questionnaire closes on {closing_date}.\n\n"
    "Your authority's own link is:\n\n{link}\n\n"
    "Anything already entered has been kept. If you have already submitted, thank you, "
    "and please ignore this message.\n",
    "email_no_contact_name": "colleague",
    "email_no_closing_date": "the closing date",
    # -- error messages ------------------------------------------------------------------------
    "question_number": "question {number}",
    "question_label": "Question {number}",
    "named_message": "{label} – {message}",
    "this_question": "this question",
    "error_correct_answer": "Correct your answer to {question}",
    "answer_to": "The answer to {question}",
    "error_enter_answer": "Enter an answer to {question}",
    "error_enter": "Enter {what}",
    "error_too_long": "{what} must be {limit} characters or fewer (you typed {typed})",
    "error_select_answer": "Select an answer to {question}",
    "error_select_listed": "Select one of the options listed at {question}",
    "error_select_listed_for": "Select one of the options listed for {what}",
    "rank_option": "option",
    "rank_options": "options",
    "error_rank_not_chosen": "Choose for {rank} one of the {options} you selected at the question "
    "before",
    "error_rank_twice": "Choose a different {option} for {rank}: you already chose it for "
    "{earlier}",
    "error_rank_gap": "Choose the {option} for {earlier} before {rank}",
    "error_select_at_least_one": "Select at least one option at {question}",
    "error_select_only_listed": "Select only the options listed at {question}",
    "error_specify": "You chose '{option}': say what it is",
    "error_specify_too_long": "'{option}' must be {limit} characters or fewer (you typed {typed})",
    "error_exclusive": "You selected '{option}' and other options at {question}: select "
    "'{option}' on its own, or untick it",
    "error_grid_row": "Select one of the options for '{row}'",
    "error_date_real": "The date must be a real date, like 27 3 2012",
    "error_month_real": "The date must be a real month, like 3 2012",
    "error_date_missing": "The date must include a {parts}",
    "error_date_not_past": "The date must be today or in the future",
    "error_date_after": "The date must be the same as or after {date}",
    "error_date_not_future": "The date must be today or in the past",
    "error_date_before": "The date must be the same as or before {date}",
    "date_today": "today",
    "date_between": "Between {low} and {high}",
    "date_on_or_after": "On or after {date}",
    "date_today_or_later": "Today or later",
    "date_on_or_before": "On or before {date}",
    "date_today_or_earlier": "Today or earlier",
    "date_at_time": "{date} at {time} UTC",
    "not_ranked": "Not ranked",
    "error_follow_up": "You chose '{option}': enter '{field}'",
    "error_number_at_least": "Enter a number of {least} or more",
    "error_number_at_most": "Enter a number of {most} or less",
    "date_part_day": "day",
    "date_part_month": "month",
    "date_part_year": "year",
    "word_and": "and",
    "error_percentage_two_places": "Enter a percentage as a number, like 5 or 7.25",
    "error_percentage_places": "Enter a percentage as a number, like 5 or {sample}",
    "error_percentage_whole": "Enter a percentage as a whole number, like 5",
    "error_whole_number": "Enter a whole number, like 12",
    "error_number_places": "Enter a number, like 12 or {sample}",
    "error_money": "Enter the amount in whole pounds, in full, for example 78500",
    "error_money_negative": "Enter an amount of 0 or more, in whole pounds, for example 78500",
    "error_money_too_large": "Enter an amount smaller than £1,000,000,000,000",
    "error_money_whole_pounds": "Whole pounds only: no pence. Enter the amount in full, rounded to whole pounds",
    "error_money_shorthand": "Write the amount in full pounds: {amount}",
    "error_money_pence": "Enter the amount in pounds and pence, for example 78500 or 78500.50",
    "error_money_pence_negative": "Enter an amount of 0 or more, in pounds and pence, for example 78500.50",
    "error_number_digits": "Enter a number with no more than {digits} digits",
    "error_decimals": "Enter {what} with no more than {places} decimal places",
    "a_percentage": "a percentage",
    "a_number": "a number",
    "error_money_cell": "{column}, {row}: {problem}",
    "error_row_text_too_long": "'{row}' must be {limit} characters or fewer",
    "error_email": "Enter an email address in the correct format, like name@example.gov.uk",
    "error_telephone": "Enter a UK telephone number, like 01632 960 001 or 07700 900 982",
    "error_url": "Enter a web link starting with http:// or https://, like "
    "https://www.example.gov.uk/savings",
}

FIELD = re.compile(r"\{([a-z_]+)\}")

Lookup = Callable[[str, str], str]  # (name, English) -> the wording to use
_lookup: list[Lookup] = []


def set_lookup(lookup: Lookup | None) -> None:
    """Install how a name finds its wording (the web layer's: rewording, then translation)."""
    _lookup[:] = [lookup] if lookup else []


def wording(name: str) -> str:
    """The text named ``name`` as the current questionnaire and language word it, unfilled."""
    english = ENGINE_TEXTS[name]
    return _lookup[0](name, english) if _lookup else english


def fill(text: str, values: dict[str, Any], escape: Callable[[Any], str] = str) -> str:
    """``{field}`` placeholders replaced by their values (``escape``d); unknown ones kept."""
    return FIELD.sub(
        lambda m: escape(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )


def word(name: str, /, **values: Any) -> str:
    """One of the engine's texts, worded and translated for the current page, filled in: plain
    text, for messages written in Python (validation errors and the like)."""
    return fill(wording(name), values)


def fields(text: str) -> set[str]:
    """The placeholders a text uses."""
    return set(FIELD.findall(text))


def extract(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """A Babel extractor (babel.cfg's ``[engine_texts: ...]``): every
    engine text as a gettext msgid, its name as the translators' comment."""
    lines: dict[str, int] = {}
    for lineno, line in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        found = re.match(r'\s+"([a-z_]+)": "', line)
        if found:
            lines.setdefault(found.group(1), lineno)
    for name, english in ENGINE_TEXTS.items():
        yield lines.get(name, 0), "gettext", english, [f"engine text: {name}"]
